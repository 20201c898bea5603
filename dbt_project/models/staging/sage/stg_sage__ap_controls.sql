-- Sage APM_MASTER__AP_CONTROLS: AP settings; Current_Month is the open accounting month (INFERRED).
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'APM_MASTER__AP_CONTROLS', {
        'AP_Payable_Account': 'text',
        'Commitment_Payable_Acct': 'text',
        'PO_Payable_Account': 'text',
        'Current_Month': 'date'
    }) }}
)

select
    rtrim(ap_payable_account) as ap_payable_account,
    rtrim(commitment_payable_acct) as commitment_payable_acct,
    rtrim(po_payable_account) as po_payable_account,
    current_month
from source
