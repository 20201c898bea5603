{{ config(severity='warn', store_failures=true) }}
-- Month-end tie-out (Sage): per commitment, Σ over non-void AP invoice distributions of
-- (Retainage − Retainage_Paid) = JCM_MASTER__COMMITMENT.Retainage_Held, within
-- `retainage_tolerance`. Distributions on a commitment Sage does not have count too.
with distributions as (
    select
        distributions.commitment,
        count(*) as distribution_count,
        sum(coalesce(distributions.retainage, 0)) as retained,
        sum(coalesce(distributions.retainage_paid, 0)) as released
    from {{ ref('stg_sage__ap_distributions') }} as distributions
    inner join {{ ref('stg_sage__ap_invoices') }} as invoices
        on invoices.vendor = distributions.vendor and invoices.invoice = distributions.invoice
    where invoices.status <> 'Void'
        and distributions.commitment is not null
        and distributions.commitment <> ''
    group by distributions.commitment
),

headers as (
    select commitment, job, vendor, retainage_held
    from {{ ref('stg_sage__commitments') }}
)

select
    coalesce(headers.commitment, distributions.commitment) as commitment,
    headers.job,
    headers.vendor,
    headers.retainage_held as header_retainage_held,
    coalesce(distributions.distribution_count, 0) as distribution_count,
    cast(coalesce(distributions.retained, 0) as decimal(18,2)) as distributions_retained,
    cast(coalesce(distributions.released, 0) as decimal(18,2)) as distributions_released,
    cast(coalesce(distributions.retained, 0) - coalesce(distributions.released, 0) as decimal(18,2))
        as distributions_balance,
    cast(coalesce(headers.retainage_held, 0)
        - (coalesce(distributions.retained, 0) - coalesce(distributions.released, 0)) as decimal(18,2))
        as difference
from headers
full outer join distributions on distributions.commitment = headers.commitment
where headers.commitment is null
    or abs(coalesce(headers.retainage_held, 0)
        - (coalesce(distributions.retained, 0) - coalesce(distributions.released, 0)))
        > {{ var('retainage_tolerance') }}
