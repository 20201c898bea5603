{{ config(severity='warn', store_failures=true) }}
-- Month-end tie-out (Sage): every AP invoice's Amount = Σ its distributions' Amount, within
-- `money_tolerance` (void invoices included: their distributions must tie too).
-- Distributions without an invoice header count too.
with distributions as (
    select vendor, invoice, count(*) as distribution_count, sum(amount) as distributions_amount
    from {{ ref('stg_sage__ap_distributions') }}
    group by vendor, invoice
),

invoices as (
    select vendor, invoice, status, amount
    from {{ ref('stg_sage__ap_invoices') }}
)

select
    coalesce(invoices.vendor, distributions.vendor) as vendor,
    coalesce(invoices.invoice, distributions.invoice) as invoice,
    invoices.status,
    invoices.amount as invoice_amount,
    coalesce(distributions.distribution_count, 0) as distribution_count,
    cast(coalesce(distributions.distributions_amount, 0) as decimal(18,2)) as distributions_amount,
    cast(coalesce(invoices.amount, 0) - coalesce(distributions.distributions_amount, 0) as decimal(18,2))
        as difference
from invoices
full outer join distributions
    on distributions.vendor = invoices.vendor and distributions.invoice = invoices.invoice
where invoices.invoice is null
    or abs(coalesce(invoices.amount, 0) - coalesce(distributions.distributions_amount, 0))
        > {{ var('money_tolerance') }}
