-- Retainage positions for BI, both directions, both systems. One row per position:
--   receivable  what owners withhold from the GC, per job: Procore = retainage_to_date of the
--               latest approved payment application of each live prime contract (G702 line 5);
--               Sage = job JTD_Retainage_Held (= Σ Retainage of AR 'Issued invoice's).
--               Retained / released are not separated on G702: released is NULL.
--   payable     what the GC withholds from subcontractors, per commitment (recon_retainage):
--               Procore from requisition lines, Sage from AP invoices and Retainage_Held.
-- balance_difference = procore_balance − sage_balance.
-- status: match | mismatch (beyond the retainage_tolerance variable) | not_billed | unpaired.
with jobs as (
    select * from {{ ref('wip_inputs') }}
),

sage_jobs as (
    select jobs.job, jobs.customer, customers.name as customer_name
    from {{ ref('stg_sage__jobs') }} as jobs
    left join {{ ref('stg_sage__customers') }} as customers on customers.customer = jobs.customer
),

ar_retainage as (
    select job, cast(sum(retainage) as decimal(18,2)) as retained
    from {{ ref('stg_sage__ar_transactions') }}
    where transaction_type = 'Issued invoice'
    group by job
),

receivable as (
    select
        'receivable' as position_type,
        jobs.job,
        jobs.project_id,
        sage_jobs.customer_name as counterparty,
        'prime_contract' as procore_object,
        cast(null as bigint) as procore_id,
        case when jobs.job_exists_in_sage then 'JCM_MASTER__JOB' end as sage_object,
        case when jobs.job_exists_in_sage then jobs.job end as sage_key,
        cast(null as decimal(9,4)) as procore_retainage_percent,
        jobs.procore_billed_to_date,
        jobs.procore_retainage_receivable as procore_retained_to_date,
        cast(null as decimal(18,2)) as procore_released_to_date,
        jobs.procore_retainage_receivable as procore_balance,
        jobs.sage_billed_to_date,
        ar_retainage.retained as sage_retained_to_date,
        cast(null as decimal(18,2)) as sage_released_to_date,
        jobs.sage_retainage_held as sage_balance,
        case
            when jobs.prime_contracts = 0 or not jobs.job_exists_in_sage then 'unpaired'
            when coalesce(jobs.procore_billed_to_date, 0) = 0 and coalesce(jobs.sage_billed_to_date, 0) = 0
                then 'not_billed'
            when abs(coalesce(jobs.procore_retainage_receivable, 0) - coalesce(jobs.sage_retainage_held, 0))
                > {{ var('retainage_tolerance') }} then 'mismatch'
            else 'match'
        end as status
    from jobs
    left join sage_jobs on sage_jobs.job = jobs.job
    left join ar_retainage on ar_retainage.job = jobs.job
    where jobs.prime_contracts > 0
        or coalesce(jobs.sage_billed_to_date, 0) <> 0
        or coalesce(jobs.sage_retainage_held, 0) <> 0
),

payable as (
    select
        'payable' as position_type,
        retainage.job,
        retainage.project_id,
        coalesce(commitments.vendor_name, vendors.name) as counterparty,
        retainage.commitment_kind as procore_object,
        retainage.commitment_id as procore_id,
        case when retainage.sage_commitment is not null then 'JCM_MASTER__COMMITMENT' end as sage_object,
        retainage.sage_commitment as sage_key,
        retainage.procore_retainage_percent,
        retainage.procore_billed_to_date,
        retainage.procore_retained as procore_retained_to_date,
        retainage.procore_released as procore_released_to_date,
        retainage.procore_balance,
        retainage.sage_billed_to_date,
        retainage.sage_retained as sage_retained_to_date,
        retainage.sage_released as sage_released_to_date,
        retainage.sage_balance,
        retainage.status
    from {{ ref('recon_retainage') }} as retainage
    left join {{ ref('int_procore__commitments') }} as commitments
        on commitments.commitment_id = retainage.commitment_id
    left join {{ ref('stg_sage__commitments') }} as sage_commitments
        on sage_commitments.commitment = retainage.sage_commitment
    left join {{ ref('stg_sage__vendors') }} as vendors on vendors.vendor = sage_commitments.vendor
),

positions as (
    select * from receivable
    union all
    select * from payable
),

exceptions as (
    select procore_id, count(*) as open_exceptions
    from {{ ref('exception_queue') }}
    where status = 'open' and exception_type = 'retainage_mismatch'
    group by procore_id
)

select
    positions.position_type || ':' || coalesce(cast(positions.procore_id as varchar),
        positions.sage_key, positions.job) as position_key,
    positions.position_type,
    positions.job,
    positions.project_id,
    positions.counterparty,
    positions.procore_object,
    positions.procore_id,
    positions.sage_object,
    positions.sage_key,
    cast(positions.procore_retainage_percent as decimal(9,4)) as procore_retainage_percent,
    cast(positions.procore_billed_to_date as decimal(18,2)) as procore_billed_to_date,
    cast(positions.procore_retained_to_date as decimal(18,2)) as procore_retained_to_date,
    cast(positions.procore_released_to_date as decimal(18,2)) as procore_released_to_date,
    cast(positions.procore_balance as decimal(18,2)) as procore_balance,
    cast(positions.sage_billed_to_date as decimal(18,2)) as sage_billed_to_date,
    cast(positions.sage_retained_to_date as decimal(18,2)) as sage_retained_to_date,
    cast(positions.sage_released_to_date as decimal(18,2)) as sage_released_to_date,
    cast(positions.sage_balance as decimal(18,2)) as sage_balance,
    positions.status,
    cast(positions.procore_balance - positions.sage_balance as decimal(18,2)) as balance_difference,
    coalesce(exceptions.open_exceptions, 0) as open_retainage_exceptions
from positions
left join exceptions
    on positions.position_type = 'payable'
    and exceptions.procore_id = positions.procore_id
