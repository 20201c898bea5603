-- Sage CNC_ACTIVE__CONTRACT: prime (owner) contracts.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'CNC_ACTIVE__CONTRACT', {
        'Contract': 'text',
        'Job': 'text',
        'Customer': 'text',
        'Description': 'text',
        'Status': 'text',
        'Retainage_Percent': 'percent',
        'Original_Contract_Total': 'money'
    }) }}
)

select
    rtrim(contract) as contract,
    rtrim(job) as job,
    rtrim(customer) as customer,
    rtrim(description) as description,
    rtrim(status) as status,
    retainage_percent,
    original_contract_total
from source
