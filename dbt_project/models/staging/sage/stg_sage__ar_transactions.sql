-- Sage ART_CURRENT__TRANSACTION: AR activity: 'Issued invoice', 'Cash receipt', ….
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'ART_CURRENT__TRANSACTION', {
        'Customer': 'text',
        'Invoice': 'text',
        'Draw': 'text',
        'Job': 'text',
        'Contract': 'text',
        'Transaction_Type': 'text',
        'Transaction_Date': 'date',
        'Accounting_Date': 'date',
        'Description': 'text',
        'Amount': 'money',
        'Retainage': 'money',
        'Actvty_Seq': 'int'
    }) }}
)

select
    rtrim(customer) as customer,
    rtrim(invoice) as invoice,
    rtrim(draw) as draw,
    rtrim(job) as job,
    rtrim(contract) as contract,
    rtrim(transaction_type) as transaction_type,
    transaction_date,
    accounting_date,
    rtrim(description) as description,
    amount,
    retainage,
    actvty_seq
from source
