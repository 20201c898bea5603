-- Sage CNC_ACTIVE__CONTRACT_ITEM: prime contract items.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'CNC_ACTIVE__CONTRACT_ITEM', {
        'Contract': 'text',
        'Contract_Item': 'text',
        'Job': 'text',
        'Customer': 'text',
        'Description': 'text',
        'Billing_Type': 'text',
        'Retainage_Percent': 'percent',
        'Original_Contract_Total': 'money',
        'Default_Revenue_Account': 'text'
    }) }}
)

select
    rtrim(contract) as contract,
    rtrim(contract_item) as contract_item,
    rtrim(job) as job,
    rtrim(customer) as customer,
    rtrim(description) as description,
    rtrim(billing_type) as billing_type,
    retainage_percent,
    original_contract_total,
    rtrim(default_revenue_account) as default_revenue_account
from source
