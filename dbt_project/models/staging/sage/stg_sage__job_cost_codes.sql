-- Sage JCM_MASTER__COST_CODE: cost codes per job+extra; Percent_Complete/Cost_At_Comp/Cost_To_Comp are WIP outputs.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'JCM_MASTER__COST_CODE', {
        'Job': 'text',
        'Extra': 'text',
        'Cost_Code': 'text',
        'Description': 'text',
        'Group_Cost_Code': 'int',
        'Status': 'text',
        'Original_Estimate': 'money',
        'JTD_Aprvd_Estimate_Chgs': 'money',
        'Total_Estimate': 'money',
        'Original_Commitment': 'money',
        'Approved_Commitment_Changes': 'money',
        'Revised_Commitment': 'money',
        'Commitment_Invoiced': 'money',
        'JTD_Cost': 'money',
        'JTD_Work_Billed': 'money',
        'JTD_Retainage_Held': 'money',
        'Percent_Complete': 'percent',
        'Cost_At_Comp': 'money',
        'Cost_To_Comp': 'money'
    }) }}
)

select
    rtrim(job) as job,
    rtrim(extra) as extra,
    rtrim(cost_code) as cost_code,
    rtrim(description) as description,
    coalesce(group_cost_code, 0) = 1 as group_cost_code,
    rtrim(status) as status,
    original_estimate,
    jtd_aprvd_estimate_chgs,
    total_estimate,
    original_commitment,
    approved_commitment_changes,
    revised_commitment,
    commitment_invoiced,
    jtd_cost,
    jtd_work_billed,
    jtd_retainage_held,
    percent_complete,
    cost_at_comp,
    cost_to_comp
from source
