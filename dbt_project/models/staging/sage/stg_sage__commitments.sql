-- Sage JCM_MASTER__COMMITMENT: subcontracts and purchase orders (Commitment_Type 'Subcontract' | 'Purchase order').
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'JCM_MASTER__COMMITMENT', {
        'Commitment': 'text',
        'Commitment_Type': 'text',
        'Description': 'text',
        'Vendor': 'text',
        'Job': 'text',
        'Date': 'date',
        'Retainage_Percent': 'percent',
        'Closed': 'int',
        'Original_Commitment': 'money',
        'Approved_Commitment_Changes': 'money',
        'Revised_Commitment': 'money',
        'Amount_Invoiced': 'money',
        'Retainage_Held': 'money',
        'Ref_1': 'text'
    }) }}
)

select
    rtrim(commitment) as commitment,
    rtrim(commitment_type) as commitment_type,
    rtrim(description) as description,
    rtrim(vendor) as vendor,
    rtrim(job) as job,
    date,
    retainage_percent,
    coalesce(closed, 0) = 1 as closed,
    original_commitment,
    approved_commitment_changes,
    revised_commitment,
    amount_invoiced,
    retainage_held,
    rtrim(ref_1) as ref_1  -- the writer's idempotency stamp (writers/connectors)
from source
