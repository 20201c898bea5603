-- Sage APM_MASTER__INVOICE: AP invoices: gross Amount with Retainage held inside it.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'APM_MASTER__INVOICE', {
        'Vendor': 'text',
        'Invoice': 'text',
        'Description': 'text',
        'Status': 'text',
        'Amount': 'money',
        'Tax': 'money',
        'Retainage': 'money',
        'Amount_Paid': 'money',
        'Retainage_Held': 'money',
        'Retainage_Paid': 'money',
        'Invoice_Date': 'date',
        'Payment_Date': 'date',
        'Accounting_Date': 'date',
        'Batch': 'text',
        'Run': 'int',
        'Sequence': 'int',
        'Onhold_Status': 'int',
        'Invoice_Code_1': 'text',
        'Invoice_Code_2': 'text'
    }) }}
)

select
    rtrim(vendor) as vendor,
    rtrim(invoice) as invoice,
    rtrim(description) as description,
    rtrim(status) as status,
    amount,
    tax,
    retainage,
    amount_paid,
    retainage_held,
    retainage_paid,
    invoice_date,
    payment_date,
    accounting_date,
    rtrim(batch) as batch,
    run,
    sequence,
    onhold_status,
    rtrim(invoice_code_1) as invoice_code_1,
    rtrim(invoice_code_2) as invoice_code_2  -- the writer's idempotency stamp (first 15 characters)
from source
