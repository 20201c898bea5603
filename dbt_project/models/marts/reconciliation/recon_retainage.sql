-- Retainage per commitment, both systems: retained to date, released to date, balance and
-- effective percent (retained / billed). Procore from requisition lines (latest approved
-- requisition), Sage from AP invoice distributions (Retainage, Retainage_Paid) and the
-- commitment's Retainage_Held. `status`: match | mismatch | not_billed.
with comparison as (
    select * from {{ ref('int_commitment_comparison') }}
),

latest_period as (
    select * from {{ ref('int_retainage_periods') }} where is_latest_approved
),

sage_totals as (
    select
        distributions.commitment,
        cast(sum(distributions.retainage) as decimal(18,2)) as retained,
        cast(sum(distributions.retainage_paid) as decimal(18,2)) as released,
        cast(sum(distributions.amount) as decimal(18,2)) as billed
    from {{ ref('stg_sage__ap_distributions') }} as distributions
    inner join {{ ref('stg_sage__ap_invoices') }} as invoices
        on invoices.vendor = distributions.vendor and invoices.invoice = distributions.invoice
    where invoices.status <> 'Void' and distributions.commitment is not null
    group by distributions.commitment
),

sides as (
    select
        comparison.commitment_id,
        comparison.sage_commitment,
        comparison.commitment_kind,
        comparison.project_id,
        comparison.job,
        comparison.commitment_number,
        comparison.procore_retainage_percent,
        comparison.sage_retainage_percent,
        comparison.procore_billed_to_date,
        cast(coalesce(latest_period.procore_retained_to_date, 0) as decimal(18,2)) as procore_retained,
        cast(coalesce(latest_period.procore_released_to_date, 0) as decimal(18,2)) as procore_released,
        comparison.procore_retainage_held as procore_balance,
        cast(coalesce(sage_totals.billed, 0) as decimal(18,2)) as sage_billed_to_date,
        cast(coalesce(sage_totals.retained, 0) as decimal(18,2)) as sage_retained,
        cast(coalesce(sage_totals.released, 0) as decimal(18,2)) as sage_released,
        cast(coalesce(comparison.sage_retainage_held, 0) as decimal(18,2)) as sage_balance,
        latest_period.requisition_number as latest_approved_requisition
    from comparison
    left join latest_period on latest_period.commitment_id = comparison.commitment_id
    left join sage_totals on sage_totals.commitment = comparison.sage_commitment
)

select
    sides.*,
    cast(case when procore_billed_to_date <> 0
        then 100 * procore_retained / procore_billed_to_date end as decimal(9,4))
        as procore_effective_percent,
    cast(case when sage_billed_to_date <> 0
        then 100 * sage_retained / sage_billed_to_date end as decimal(9,4))
        as sage_effective_percent,
    cast(procore_balance - sage_balance as decimal(18,2)) as balance_difference,
    case
        when commitment_id is null or sage_commitment is null then 'unpaired'
        when procore_billed_to_date = 0 and sage_billed_to_date = 0 then 'not_billed'
        when abs(procore_balance - sage_balance) > {{ var('retainage_tolerance') }} then 'mismatch'
        else 'match'
    end as status
from sides
