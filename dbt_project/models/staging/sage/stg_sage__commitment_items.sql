-- Sage JCM_MASTER__COMMITMENT_ITEM: commitment lines with their job coding.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'JCM_MASTER__COMMITMENT_ITEM', {
        'Commitment': 'text',
        'Item_Number': 'int',
        'Description': 'text',
        'Job': 'text',
        'Extra': 'text',
        'Cost_Code': 'text',
        'Category': 'text',
        'Units': 'quantity',
        'Unit_Cost': 'quantity',
        'Unit_Description': 'text',
        'Amount': 'money',
        'Approved_Commitment_CO_Amount': 'money',
        'Amount_Invoiced': 'money',
        'Units_Invoiced': 'quantity',
        'Retainage_Percent': 'percent',
        'Tax': 'money',
        'Tax_Group': 'text'
    }) }}
)

select
    rtrim(commitment) as commitment,
    item_number,
    rtrim(description) as description,
    rtrim(job) as job,
    rtrim(extra) as extra,
    rtrim(cost_code) as cost_code,
    rtrim(category) as category,
    units,
    unit_cost,
    rtrim(unit_description) as unit_description,
    amount,
    approved_commitment_co_amount,
    amount_invoiced,
    units_invoiced,
    retainage_percent,
    tax,
    rtrim(tax_group) as tax_group
from source
