-- Sage CNC_ACTIVE__CHANGE_ORDER: prime contract change orders (INFERRED name).
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'CNC_ACTIVE__CHANGE_ORDER', {
        'Contract': 'text',
        'Change_Order': 'text',
        'Job': 'text',
        'Description': 'text',
        'Date': 'date',
        'Status': 'text',
        'Amount': 'money'
    }) }}
)

select
    rtrim(contract) as contract,
    rtrim(change_order) as change_order,
    rtrim(job) as job,
    rtrim(description) as description,
    date,
    rtrim(status) as status,
    amount
from source
