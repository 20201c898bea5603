-- Sage APM_MASTER__DISTRIBUTION: AP invoice distributions to job coding and commitment lines.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'APM_MASTER__DISTRIBUTION', {
        'Vendor': 'text',
        'Invoice': 'text',
        'Dist_Seq': 'int',
        'Job': 'text',
        'Extra': 'text',
        'Cost_Code': 'text',
        'Category': 'text',
        'Commitment': 'text',
        'Commitment_Line_Item': 'int',
        'Expense_Account': 'text',
        'Description': 'text',
        'Amount': 'money',
        'Amount_Paid': 'money',
        'Retainage': 'money',
        'Retainage_Paid': 'money'
    }) }}
)

select
    rtrim(vendor) as vendor,
    rtrim(invoice) as invoice,
    dist_seq,
    rtrim(job) as job,
    rtrim(extra) as extra,
    rtrim(cost_code) as cost_code,
    rtrim(category) as category,
    rtrim(commitment) as commitment,
    commitment_line_item,
    rtrim(expense_account) as expense_account,
    rtrim(description) as description,
    amount,
    amount_paid,
    retainage,
    retainage_paid
from source
