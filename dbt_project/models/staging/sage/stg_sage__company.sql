-- Sage COMPANY_INFORMATION: company name (dictionary-mode table).
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'COMPANY_INFORMATION', {
        'CNAME': 'text'
    }) }}
)

select
    rtrim(cname) as cname
from source
