-- Sage JCM_MASTER__STANDARD_CATEGORY: the company list of categories (L M S E O …).
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'JCM_MASTER__STANDARD_CATEGORY', {
        'Category': 'text',
        'Description': 'text',
        'Accumulate_As': 'text'
    }) }}
)

select
    rtrim(category) as category,
    rtrim(description) as description,
    rtrim(accumulate_as) as accumulate_as
from source
