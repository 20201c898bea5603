-- Sage APM_MASTER__VENDOR: vendors; On_Hold and Status are INFERRED (no public hold/inactive column).
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'APM_MASTER__VENDOR', {
        'Vendor': 'text',
        'Name': 'text',
        'Type': 'text',
        'Address_1': 'text',
        'City': 'text',
        'State': 'text',
        'ZIP': 'text',
        'Telephone': 'text',
        'Contact_1_Email_Address': 'text',
        'On_Hold': 'int',
        'Status': 'text'
    }) }}
)

select
    rtrim(vendor) as vendor,
    rtrim(name) as name,
    rtrim(type) as type,
    rtrim(address_1) as address_1,
    rtrim(city) as city,
    rtrim(state) as state,
    rtrim(zip) as zip,
    rtrim(telephone) as telephone,
    rtrim(contact_1_email_address) as contact_1_email_address,
    coalesce(on_hold, 0) = 1 as on_hold,
    rtrim(status) as status
from source
