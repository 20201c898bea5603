{{ config(severity='warn', store_failures=true) }}
-- Month-end tie-out (Procore ↔ Sage): committed cost per Sage job after mapping projects to
-- jobs (int_projects), within `committed_cost_tolerance`.
--   Procore: live commitments on projects resolving to the job: Σ grand_total + Σ approved
--            commitment change orders (grand_total).
--   Sage:    commitments on the job: Σ Original_Commitment + Σ Approved_Commitment_Changes.
-- Only jobs some Procore project resolves to are compared. A difference is explained by
-- the job's commitment exceptions (commitment_missing_in_sage, subcontract_missing_in_procore,
-- commitment_amount_mismatch, change_order_missing_in_sage, change_order_amount_mismatch).
with linked_jobs as (
    select distinct job from {{ ref('int_projects') }} where job_exists
),

approved_change_orders as (
    select commitment_id, sum(grand_total) as approved_changes
    from {{ ref('stg_procore__commitment_change_orders') }}
    where status = 'approved'
    group by commitment_id
),

procore as (
    select
        commitments.job,
        count(*) as commitments,
        sum(coalesce(commitments.grand_total, 0)) as original_amount,
        sum(coalesce(approved_change_orders.approved_changes, 0)) as approved_changes
    from {{ ref('int_procore__commitments') }} as commitments
    left join approved_change_orders
        on approved_change_orders.commitment_id = commitments.commitment_id
    where commitments.is_live and commitments.job_exists
    group by commitments.job
),

sage as (
    select
        commitments.job,
        count(*) as commitments,
        sum(coalesce(commitments.original_commitment, 0)) as original_amount,
        sum(coalesce(commitments.approved_commitment_changes, 0)) as approved_changes
    from {{ ref('stg_sage__commitments') }} as commitments
    inner join linked_jobs on linked_jobs.job = commitments.job
    group by commitments.job
),

compared as (
    select
        coalesce(procore.job, sage.job) as job,
        coalesce(procore.commitments, 0) as procore_commitments,
        cast(coalesce(procore.original_amount, 0) as decimal(18,2)) as procore_original,
        cast(coalesce(procore.approved_changes, 0) as decimal(18,2)) as procore_approved_changes,
        cast(coalesce(procore.original_amount, 0) + coalesce(procore.approved_changes, 0) as decimal(18,2))
            as procore_committed,
        coalesce(sage.commitments, 0) as sage_commitments,
        cast(coalesce(sage.original_amount, 0) as decimal(18,2)) as sage_original,
        cast(coalesce(sage.approved_changes, 0) as decimal(18,2)) as sage_approved_changes,
        cast(coalesce(sage.original_amount, 0) + coalesce(sage.approved_changes, 0) as decimal(18,2))
            as sage_committed
    from procore
    full outer join sage on sage.job = procore.job
)

select
    compared.*,
    cast(procore_committed - sage_committed as decimal(18,2)) as difference
from compared
where abs(procore_committed - sage_committed) > {{ var('committed_cost_tolerance') }}
