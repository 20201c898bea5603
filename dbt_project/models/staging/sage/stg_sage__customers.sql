-- Sage ARM_MASTER__CUSTOMER: AR customers (owners).
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'ARM_MASTER__CUSTOMER', {
        'Customer': 'text',
        'Name': 'text',
        'Telephone': 'text',
        'Billing_Contact': 'text'
    }) }}
)

select
    rtrim(customer) as customer,
    rtrim(name) as name,
    rtrim(telephone) as telephone,
    rtrim(billing_contact) as billing_contact
from source
