-- Sage JCM_MASTER__COMMITMENT_CO_ITEM: change order lines (INFERRED name; import record CCOI).
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'JCM_MASTER__COMMITMENT_CO_ITEM', {
        'Commitment': 'text',
        'Commitment_CO': 'text',
        'Line_Number': 'int',
        'Item_Number': 'int',
        'Description': 'text',
        'Job': 'text',
        'Extra': 'text',
        'Cost_Code': 'text',
        'Category': 'text',
        'Units': 'quantity',
        'Amount': 'money'
    }) }}
)

select
    rtrim(commitment) as commitment,
    rtrim(commitment_co) as commitment_co,
    line_number,
    item_number,
    rtrim(description) as description,
    rtrim(job) as job,
    rtrim(extra) as extra,
    rtrim(cost_code) as cost_code,
    rtrim(category) as category,
    units,
    amount
from source
