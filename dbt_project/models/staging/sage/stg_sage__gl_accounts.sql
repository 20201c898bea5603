-- Sage GLM_MASTER__ACCOUNT: general ledger accounts.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'GLM_MASTER__ACCOUNT', {
        'Account': 'text',
        'Account_Title': 'text',
        'Account_Type': 'text'
    }) }}
)

select
    rtrim(account) as account,
    rtrim(account_title) as account_title,
    rtrim(account_type) as account_type
from source
