-- Sage JCM_MASTER__CATEGORY: the estimate (budget) line.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'JCM_MASTER__CATEGORY', {
        'Job': 'text',
        'Extra': 'text',
        'Cost_Code': 'text',
        'Category': 'text',
        'Description': 'text',
        'Status': 'text',
        'Accumulate_As': 'text',
        'Original_Estimate': 'money',
        'Pending_Estimate_Changes': 'money',
        'Approved_Estimate_Changes': 'money',
        'Total_Estimate': 'money',
        'Original_Commitment': 'money',
        'Approved_Commitment_Changes': 'money',
        'Revised_Commitment': 'money',
        'Commitment_Invoiced': 'money',
        'JTD_Cost': 'money',
        'Row_ID': 'text',
        'Ref_1': 'text'
    }) }}
)

select
    rtrim(job) as job,
    rtrim(extra) as extra,
    rtrim(cost_code) as cost_code,
    rtrim(category) as category,
    rtrim(description) as description,
    rtrim(status) as status,
    rtrim(accumulate_as) as accumulate_as,
    original_estimate,
    pending_estimate_changes,
    approved_estimate_changes,
    total_estimate,
    original_commitment,
    approved_commitment_changes,
    revised_commitment,
    commitment_invoiced,
    jtd_cost,
    rtrim(row_id) as row_id,
    rtrim(ref_1) as ref_1  -- the last estimate import's idempotency stamp (writers/connectors)
from source
