-- Retainage per commitment and approved requisition (period), both systems.
-- Procore keeps retainage per requisition line: newly retained this period is the change
-- in total_retainage plus what the lines released; released is the lines' work and
-- stored-materials releases. Sage keeps it on the AP invoice for that requisition
-- (Retainage = newly held) and records a release as Retainage_Paid on the invoices whose
-- retainage was released (undated, so Sage's release is reported against the invoice).
with requisitions as (
    select requisitions.*, comparison.sage_commitment, comparison.sage_vendor
    from {{ ref('int_procore__requisitions') }} as requisitions
    inner join {{ ref('int_commitment_comparison') }} as comparison
        on comparison.commitment_id = requisitions.commitment_id
    where requisitions.is_approved
),

released as (
    select
        requisition_id,
        cast(sum(coalesce(work_retainage_released_this_period, 0)
            + coalesce(materials_retainage_released_this_period, 0)) as decimal(18,2))
            as released_this_period,
        sum(case when coalesce(work_retainage_retained_this_period, 0) <> 0
            or coalesce(work_retainage_released_this_period, 0) <> 0
            or coalesce(materials_retainage_released_this_period, 0) <> 0 then 1 else 0 end)
            as lines_with_retainage
    from {{ ref('stg_procore__requisition_items') }}
    group by requisition_id
),

sage_invoices as (
    select
        distributions.vendor,
        distributions.invoice,
        distributions.commitment,
        cast(sum(distributions.amount) as decimal(18,2)) as gross,
        cast(sum(distributions.retainage) as decimal(18,2)) as retained,
        cast(sum(distributions.retainage_paid) as decimal(18,2)) as released
    from {{ ref('stg_sage__ap_distributions') }} as distributions
    inner join {{ ref('stg_sage__ap_invoices') }} as invoices
        on invoices.vendor = distributions.vendor and invoices.invoice = distributions.invoice
    where invoices.status <> 'Void'
    group by distributions.vendor, distributions.invoice, distributions.commitment
),

periods as (
    select
        requisitions.commitment_id,
        requisitions.sage_commitment,
        requisitions.project_id,
        requisitions.requisition_id,
        requisitions.requisition_number,
        requisitions.invoice_number,
        requisitions.requisition_start,
        requisitions.requisition_end,
        requisitions.is_latest_approved,
        requisitions.completed_and_stored_to_date as procore_billed_to_date,
        cast(requisitions.retainage_change_this_period + coalesce(released.released_this_period, 0)
            as decimal(18,2)) as procore_retained_this_period,
        cast(coalesce(released.released_this_period, 0) as decimal(18,2)) as procore_released_this_period,
        requisitions.retainage_to_date as procore_balance_to_date,
        coalesce(released.lines_with_retainage, 0) as procore_lines_with_retainage,
        sage_invoices.vendor || '|' || sage_invoices.invoice as sage_invoice,
        cast(coalesce(sage_invoices.gross, 0) as decimal(18,2)) as sage_gross_this_period,
        cast(coalesce(sage_invoices.retained, 0) as decimal(18,2)) as sage_retained_this_period,
        cast(coalesce(sage_invoices.released, 0) as decimal(18,2)) as sage_released_against_invoice
    from requisitions
    left join released on released.requisition_id = requisitions.requisition_id
    left join sage_invoices
        on sage_invoices.vendor = requisitions.sage_vendor
        and sage_invoices.invoice = requisitions.invoice_number
        and sage_invoices.commitment = requisitions.sage_commitment
)

select
    periods.*,
    cast(sum(procore_retained_this_period) over w as decimal(18,2)) as procore_retained_to_date,
    cast(sum(procore_released_this_period) over w as decimal(18,2)) as procore_released_to_date,
    cast(sum(sage_retained_this_period) over w as decimal(18,2)) as sage_retained_to_date,
    cast(sum(sage_gross_this_period) over w as decimal(18,2)) as sage_billed_to_date
from periods
window w as (partition by commitment_id order by requisition_number rows between unbounded preceding and current row)
