{{ config(severity='warn', store_failures=true) }}
-- Month-end tie-out (Sage): every estimate line (JCM_MASTER__CATEGORY) has
-- Total_Estimate = Original_Estimate + Approved_Estimate_Changes, within `money_tolerance`.
select
    job,
    extra,
    cost_code,
    category,
    original_estimate,
    approved_estimate_changes,
    total_estimate,
    cast(coalesce(total_estimate, 0)
        - (coalesce(original_estimate, 0) + coalesce(approved_estimate_changes, 0)) as decimal(18,2))
        as difference
from {{ ref('stg_sage__job_categories') }}
where abs(coalesce(total_estimate, 0)
        - (coalesce(original_estimate, 0) + coalesce(approved_estimate_changes, 0)))
    > {{ var('money_tolerance') }}
