-- Approved Procore requisitions (subcontractor / supplier invoices) of paired commitments
-- with no non-void Sage AP invoice (`invoice_missing_in_sage`), as the Sage AP invoice
-- tieout would import (APM_MASTER__INVOICE, record API): Vendor = the Sage commitment's
-- vendor, Invoice = the requisition's invoice_number, Description '<commitment> pay app <n>',
-- Amount = gross this period (Σ distributions), Retainage = retainage newly held this period
-- (Σ distributions), Invoice_Date = the billing date, Payment_Date = Procore's payment date,
-- Accounting_Date = the invoice date. Distributions: outbound_ap_invoice_distributions.
-- Retainage released on a final requisition is a payment-time action in Sage
-- (Retainage_Paid on the earlier invoices), not part of this import: retainage_released says
-- how much, and such an invoice needs approval.
--
-- Held by (open blocking exceptions): unmapped_vendor of the commitment's Procore vendor
-- (nobody confirmed who Sage pays); vendor_mismatch, commitment_amount_mismatch,
-- commitment_line_mismatch and retainage_mismatch of its commitment (invoicing against a
-- commitment whose amounts, lines or retainage disagree compounds the error);
-- change_order_amount_mismatch of a CO it bills; unmapped / ambiguous cost code and
-- invalid_sage_target of any distribution's code; job_missing_in_sage; schema_drift of its
-- commitment or a CO it bills; any blocking exception about the requisition itself
-- (schema_drift, …); write_rejected of this version.
-- Held by conditions: key too long, Sage commitment closed, a CO it bills not yet in Sage
-- (write the CO first), an uncoded distribution, an expense account not in the GL, items
-- that do not add up to the requisition, ….
with requisitions as (
    select
        requisitions.*,
        comparison.sage_commitment,
        comparison.sage_vendor,
        comparison.job,
        comparison.commitment_kind,
        comparison.procore_vendor_id,
        comparison.sage_status
    from {{ ref('int_procore__requisitions') }} as requisitions
    inner join {{ ref('int_commitment_comparison') }} as comparison
        on comparison.commitment_id = requisitions.commitment_id
    where requisitions.is_approved
        and comparison.commitment_id is not null
        and comparison.sage_commitment is not null
),

sage_invoices as (
    select vendor, invoice, coalesce(status, '') = 'Void' as is_void
    from {{ ref('stg_sage__ap_invoices') }}
),

candidates as (
    select
        requisitions.*,
        count(*) over (partition by requisitions.sage_vendor, requisitions.invoice_number) as key_uses
    from requisitions
    where not exists (
        select 1 from sage_invoices
        where sage_invoices.vendor = requisitions.sage_vendor
            and sage_invoices.invoice = requisitions.invoice_number
            and not sage_invoices.is_void
    )
),

distributions as (
    select distributions.*
    from ({{ outbound_requisition_distribution_rows() }}) as distributions
    inner join candidates on candidates.requisition_id = distributions.requisition_id
),

gl_accounts as (
    select account from {{ ref('stg_sage__gl_accounts') }}
),

distribution_totals as (
    select
        distributions.requisition_id,
        count(*) as distribution_count,
        cast(sum(distributions.amount) as decimal(18,2)) as amount,
        cast(sum(distributions.retainage) as decimal(18,2)) as retainage,
        cast(sum(distributions.retainage_released) as decimal(18,2)) as retainage_released,
        sum(case when distributions.coding_outcome <> 'mapped' then 1 else 0 end) as uncoded,
        sum(case when distributions.commitment_line_item is null
            or distributions.commitment_line_item > 99999 then 1 else 0 end) as bad_items,
        sum(case when distributions.line_kind = 'change_order' and not coalesce(distributions.change_order_in_sage, false)
            then 1 else 0 end) as co_not_in_sage,
        sum(case when gl_accounts.account is null then 1 else 0 end) as bad_accounts,
        string_agg(
            {{ stable_key(['distributions.dist_seq', 'distributions.job', 'distributions.extra', 'distributions.cost_code',
                'distributions.category', 'distributions.commitment_line_item', 'distributions.amount',
                'distributions.retainage', 'distributions.cost_code_name']) }},
            ',' order by distributions.dist_seq
        ) as distributions_fingerprint
    from distributions
    left join gl_accounts on gl_accounts.account = {{ outbound_expense_account('distributions.category') }}
    group by distributions.requisition_id
),

released_items as (
    select requisition_id, cast(sum(coalesce(work_retainage_released_this_period, 0)
        + coalesce(materials_retainage_released_this_period, 0)) as decimal(18,2)) as released
    from {{ ref('stg_procore__requisition_items') }}
    group by requisition_id
),

headers as (
    select
        candidates.requisition_id,
        candidates.commitment_id,
        candidates.project_id,
        candidates.job,
        candidates.procore_vendor_id,
        candidates.sage_vendor as vendor,
        candidates.invoice_number as invoice,
        {{ outbound_text("candidates.sage_commitment || ' pay app ' || cast(candidates.requisition_number as varchar)", 30) }}
            as description,
        cast(coalesce(distribution_totals.amount, 0) as decimal(18,2)) as amount,
        cast(0 as decimal(18,2)) as tax,
        cast(coalesce(distribution_totals.retainage, 0) as decimal(18,2)) as retainage,
        candidates.billing_date as invoice_date,
        candidates.payment_date,
        candidates.billing_date as accounting_date,
        candidates.sage_commitment as commitment,
        case candidates.commitment_kind when 'subcontract' then 'Subcontract' else 'Purchase order' end
            as commitment_type,
        candidates.requisition_number,
        candidates.is_final,
        cast(candidates.gross_this_period as decimal(18,2)) as procore_gross_this_period,
        cast(coalesce(distribution_totals.retainage_released, 0) as decimal(18,2)) as retainage_released,
        coalesce(distribution_totals.distribution_count, 0) as distribution_count,
        distribution_totals.distributions_fingerprint,
        candidates.updated_at as source_updated_at,
        {{ outbound_conditions([
            ['invoice_key_missing', "coalesce(candidates.invoice_number, '') = ''"],
            ['invoice_key_too_long', 'length(candidates.invoice_number) > 15'],
            ['invoice_key_taken_by_void_invoice', 'void_twin.invoice is not null'],
            ['invoice_key_not_unique', 'candidates.key_uses > 1'],
            ['sage_vendor_unknown', 'sage_vendors.vendor is null'],
            ['sage_commitment_closed', "candidates.sage_status = 'Closed'"],
            ['invoice_date_missing', 'candidates.billing_date is null'],
            ['nothing_to_invoice', 'distribution_totals.distribution_count is null'],
            ['line_coding_unresolved', 'distribution_totals.uncoded > 0'],
            ['commitment_item_unknown', 'distribution_totals.bad_items > 0'],
            ['change_order_not_in_sage', 'distribution_totals.co_not_in_sage > 0'],
            ['expense_account_not_in_gl', 'distribution_totals.bad_accounts > 0'],
            ['items_do_not_sum_to_requisition',
                'coalesce(distribution_totals.amount, 0) <> coalesce(candidates.gross_this_period, 0)
                or coalesce(distribution_totals.retainage, 0) <> cast(coalesce(candidates.retainage_change_this_period, 0)
                    + coalesce(released_items.released, 0) as decimal(18,2))'],
        ]) }} as blocking_conditions,
        nullif(rtrim(
            case when sage_vendors.on_hold
                then 'Sage vendor ' || candidates.sage_vendor || ' is on hold. ' else '' end
            || case when coalesce(distribution_totals.retainage_released, 0) <> 0
                then 'Releases retainage ' || {{ money_text('distribution_totals.retainage_released') }}
                    || ': record it in Sage AP as a retainage payment on the earlier invoices. ' else '' end
            || case when candidates.billing_date < ap_controls.current_month
                then 'Invoice date is before the Sage AP current month '
                    || cast(ap_controls.current_month as varchar) || '. ' else '' end
        ), '') as needs_approval_reason
    from candidates
    left join distribution_totals on distribution_totals.requisition_id = candidates.requisition_id
    left join released_items on released_items.requisition_id = candidates.requisition_id
    left join {{ ref('stg_sage__vendors') }} as sage_vendors on sage_vendors.vendor = candidates.sage_vendor
    left join sage_invoices as void_twin
        on void_twin.vendor = candidates.sage_vendor
        and void_twin.invoice = candidates.invoice_number
        and void_twin.is_void
    left join (
        select max(current_month) as current_month from {{ ref('stg_sage__ap_controls') }}
    ) as ap_controls on 1 = 1
),

keyed as (
    select
        {{ outbound_idempotency_key('ap_invoice', 'headers.requisition_id', outbound_epoch('headers.source_updated_at'), [
            'headers.vendor', 'headers.invoice', 'headers.description', 'headers.amount', 'headers.retainage',
            'headers.invoice_date', 'headers.payment_date', 'headers.accounting_date', 'headers.commitment',
            'headers.distributions_fingerprint'
        ]) }} as idempotency_key,
        headers.*
    from headers
),

keyed_distributions as (
    select keyed.idempotency_key, distributions.*
    from keyed
    inner join distributions on distributions.requisition_id = keyed.requisition_id
),

touches as (
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['unmapped_vendor'], 'vendor', 'keyed.procore_vendor_id') }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key',
        ['vendor_mismatch', 'commitment_amount_mismatch', 'commitment_line_mismatch', 'retainage_mismatch', 'schema_drift'],
        'commitment', 'keyed.commitment_id') }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['job_missing_in_sage'], 'project', 'keyed.project_id') }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['*'], 'requisition', 'keyed.requisition_id',
        except_types=['write_rejected']) }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['write_rejected'], 'requisition', 'keyed.requisition_id',
        idempotency_key='keyed.idempotency_key') }}
    union all
    {{ outbound_touch('keyed_distributions', 'keyed_distributions.idempotency_key',
        ['change_order_amount_mismatch', 'schema_drift'], 'commitment_change_order', 'keyed_distributions.change_order_id') }}
    union all
    {{ outbound_touch('keyed_distributions', 'keyed_distributions.idempotency_key',
        ['unmapped_cost_code', 'ambiguous_cost_code'], 'cost_code', 'keyed_distributions.cost_code_id') }}
    union all
    {{ outbound_touch('keyed_distributions', 'keyed_distributions.idempotency_key', ['invalid_sage_target'],
        'cost_code', 'keyed_distributions.cost_code_id', 'keyed_distributions.coding_key') }}
),

blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    keyed.idempotency_key,
    'requisition' as source_object,
    keyed.requisition_id as source_id,
    keyed.project_id,
    'APM_MASTER__INVOICE' as target_object,
    'API' as import_record,
    keyed.vendor || '|' || keyed.invoice as sage_key,
    keyed.vendor,
    keyed.invoice,
    keyed.description,
    keyed.amount,
    keyed.tax,
    keyed.retainage,
    keyed.invoice_date,
    keyed.payment_date,
    keyed.accounting_date,
    keyed.commitment,
    keyed.commitment_type,
    keyed.job,
    keyed.distribution_count,
    keyed.retainage_released,
    keyed.procore_gross_this_period,
    keyed.commitment_id as procore_commitment_id,
    keyed.procore_vendor_id,
    keyed.requisition_number as procore_requisition_number,
    keyed.is_final as procore_is_final,
    keyed.source_updated_at,
    blockers.blocking_exception_ids,
    keyed.blocking_conditions,
    blockers.blocking_exception_ids is not null or keyed.blocking_conditions is not null as is_blocked,
    keyed.needs_approval_reason
from keyed
left join blockers on blockers.row_key = keyed.idempotency_key
