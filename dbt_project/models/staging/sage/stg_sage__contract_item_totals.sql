-- Sage CNA_ACTIVE__CONTRACT_ITEM_DERIVED: derived prime contract item totals (revised, billed, retainage).
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'CNA_ACTIVE__CONTRACT_ITEM_DERIVED', {
        'Contract': 'text',
        'Contract_Item': 'text',
        'Revised_Contract': 'money',
        'Approved_Contract_Changes': 'money',
        'Total_Billed': 'money',
        'Retainage_Held': 'money',
        'Retainage_Billed': 'money'
    }) }}
)

select
    rtrim(contract) as contract,
    rtrim(contract_item) as contract_item,
    revised_contract,
    approved_contract_changes,
    total_billed,
    retainage_held,
    retainage_billed
from source
