-- Sage JCT_CURRENT__TRANSACTION: every job-cost posting; cost types 'AP cost','JC cost','PR cost','EQ cost'.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'JCT_CURRENT__TRANSACTION', {
        'Run': 'int',
        'Sequence': 'int',
        'Job': 'text',
        'Extra': 'text',
        'Cost_Code': 'text',
        'Category': 'text',
        'Transaction_Type': 'text',
        'Transaction_Date': 'date',
        'Accounting_Date': 'date',
        'Description': 'text',
        'Units': 'quantity',
        'Unit_Cost': 'quantity',
        'Amount': 'money',
        'Application_of_Origin': 'text',
        'Batch': 'text',
        'Source': 'text',
        'Vendor': 'text',
        'Invoice': 'text',
        'Commitment_Type': 'text',
        'Commitment': 'text',
        'Commitment_Line_Item': 'int',
        'Change_Order': 'text',
        'Commitment_CO': 'text',
        'Retainage': 'money',
        'Draw': 'text',
        'Customer': 'text',
        'Row_ID': 'text'
    }) }}
)

select
    run,
    sequence,
    rtrim(job) as job,
    rtrim(extra) as extra,
    rtrim(cost_code) as cost_code,
    rtrim(category) as category,
    rtrim(transaction_type) as transaction_type,
    transaction_date,
    accounting_date,
    rtrim(description) as description,
    units,
    unit_cost,
    amount,
    rtrim(application_of_origin) as application_of_origin,
    rtrim(batch) as batch,
    rtrim(source) as source,
    rtrim(vendor) as vendor,
    rtrim(invoice) as invoice,
    rtrim(commitment_type) as commitment_type,
    rtrim(commitment) as commitment,
    commitment_line_item,
    rtrim(change_order) as change_order,
    rtrim(commitment_co) as commitment_co,
    retainage,
    rtrim(draw) as draw,
    rtrim(customer) as customer,
    rtrim(row_id) as row_id
from source
