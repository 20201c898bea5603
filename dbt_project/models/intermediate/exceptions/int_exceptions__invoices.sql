-- Approved Procore requisitions of paired commitments ↔ Sage AP invoices (vendor of the
-- Sage commitment, invoice number): missing (or only void) in Sage, or a gross amount
-- different from the requisition's gross this period.
with requisitions as (
    select requisitions.*, comparison.sage_commitment, comparison.sage_vendor, comparison.job
    from {{ ref('int_procore__requisitions') }} as requisitions
    inner join {{ ref('int_commitment_comparison') }} as comparison
        on comparison.commitment_id = requisitions.commitment_id
    where requisitions.is_approved and comparison.sage_commitment is not null
),

invoices as (
    select * from {{ ref('stg_sage__ap_invoices') }} where status <> 'Void'
)

select
    case when invoices.invoice is null then 'invoice_missing_in_sage'
        else 'invoice_amount_mismatch' end as exception_type,
    requisitions.project_id,
    requisitions.job,
    'requisition' as procore_object,
    requisitions.requisition_id as procore_id,
    'APM_MASTER__INVOICE' as sage_object,
    case when invoices.invoice is not null
        then invoices.vendor || '|' || invoices.invoice end as sage_key,
    'amount' as field,
    {{ money_text('requisitions.gross_this_period') }} as procore_value,
    {{ money_text('invoices.amount') }} as sage_value,
    case when invoices.invoice is null
        then 'Approved requisition #' || cast(requisitions.requisition_number as varchar) || ' ('
            || requisitions.invoice_number || ', ' || {{ money_text('requisitions.gross_this_period') }}
            || ') on ' || requisitions.sage_commitment || ' has no Sage AP invoice for vendor '
            || requisitions.sage_vendor || '.'
        else 'Requisition #' || cast(requisitions.requisition_number as varchar) || ' ('
            || requisitions.invoice_number || '): Procore gross this period '
            || {{ money_text('requisitions.gross_this_period') }} || ', Sage invoice '
            || {{ money_text('invoices.amount') }} || '.'
    end as message
from requisitions
left join invoices
    on invoices.vendor = requisitions.sage_vendor
    and invoices.invoice = requisitions.invoice_number
where invoices.invoice is null
    or abs(invoices.amount - requisitions.gross_this_period) > {{ var('money_tolerance') }}
