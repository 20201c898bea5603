-- Sage JCM_MASTER__COMMITMENT_CO: subcontract change orders (append-only).
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'JCM_MASTER__COMMITMENT_CO', {
        'Commitment': 'text',
        'Commitment_CO': 'text',
        'Description': 'text',
        'Date': 'date',
        'Status': 'text',
        'Amount': 'money',
        'Ref_1': 'text'
    }) }}
)

select
    rtrim(commitment) as commitment,
    rtrim(commitment_co) as commitment_co,
    rtrim(description) as description,
    date,
    rtrim(status) as status,
    amount,
    rtrim(ref_1) as ref_1  -- the writer's idempotency stamp (writers/connectors)
from source
