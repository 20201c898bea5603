-- Sage JCM_MASTER__STANDARD_COST_CODE: the company list of standard cost codes.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'JCM_MASTER__STANDARD_COST_CODE', {
        'Cost_Code': 'text',
        'Description': 'text',
        'Group_Cost_Code': 'int'
    }) }}
)

select
    rtrim(cost_code) as cost_code,
    rtrim(description) as description,
    coalesce(group_cost_code, 0) = 1 as group_cost_code
from source
