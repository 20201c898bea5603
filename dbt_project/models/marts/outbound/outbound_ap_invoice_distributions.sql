-- The distributions of each outbound AP invoice (APM_MASTER__DISTRIBUTION, record APD): one
-- per requisition item with money, in G703 order (Dist_Seq); Amount = the item's gross this
-- period, Retainage = retainage newly held on it this period; coded through the commitment
-- line it bills (the Sage commitment item's job · extra · cost code · category), with
-- Commitment and Commitment_Line_Item (the amended line for CO items, the new item for new
-- CO scope); Description '<commitment> #<n> <cost code name>'; Expense_Account by category
-- (dbt var `outbound_expense_accounts`). Written with its invoice or not at all: carries the
-- invoice's idempotency key and holds.
with headers as (
    select * from {{ ref('outbound_ap_invoices') }}
),

distributions as (
    select distributions.*
    from ({{ outbound_requisition_distribution_rows() }}) as distributions
    inner join headers on headers.source_id = distributions.requisition_id
),

touches as (
    {{ outbound_touch('distributions', 'distributions.requisition_item_id',
        ['change_order_amount_mismatch', 'schema_drift'], 'commitment_change_order', 'distributions.change_order_id') }}
    union all
    {{ outbound_touch('distributions', 'distributions.requisition_item_id',
        ['unmapped_cost_code', 'ambiguous_cost_code'], 'cost_code', 'distributions.cost_code_id') }}
    union all
    {{ outbound_touch('distributions', 'distributions.requisition_item_id', ['invalid_sage_target'],
        'cost_code', 'distributions.cost_code_id', 'distributions.coding_key') }}
),

line_blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    headers.idempotency_key,
    'requisition_item' as source_object,
    distributions.requisition_item_id as source_id,
    headers.project_id,
    'APM_MASTER__DISTRIBUTION' as target_object,
    'APD' as import_record,
    headers.vendor || '|' || headers.invoice || '|' || cast(distributions.dist_seq as varchar) as sage_key,
    headers.vendor,
    headers.invoice,
    distributions.dist_seq,
    distributions.job,
    distributions.extra,
    distributions.cost_code,
    distributions.category,
    headers.commitment,
    distributions.commitment_line_item,
    {{ outbound_expense_account('distributions.category') }} as expense_account,
    {{ outbound_text("headers.commitment || ' #' || cast(headers.procore_requisition_number as varchar) || ' '
        || coalesce(distributions.cost_code_name, '')", 30) }} as description,
    distributions.amount,
    distributions.retainage,
    distributions.retainage_released,
    distributions.item_type as procore_item_type,
    distributions.change_order_id as procore_change_order_id,
    distributions.coding_outcome,
    line_blockers.blocking_exception_ids as line_blocking_exception_ids,
    {{ outbound_conditions([
        ['line_coding_unresolved', "distributions.coding_outcome <> 'mapped'"],
        ['commitment_item_unknown', 'distributions.commitment_line_item is null or distributions.commitment_line_item > 99999'],
        ['change_order_not_in_sage', "distributions.line_kind = 'change_order' and not coalesce(distributions.change_order_in_sage, false)"],
    ]) }} as line_conditions,
    headers.blocking_exception_ids,
    headers.blocking_conditions,
    headers.is_blocked,
    headers.needs_approval_reason
from distributions
inner join headers on headers.source_id = distributions.requisition_id
left join line_blockers on line_blockers.row_key = cast(distributions.requisition_item_id as varchar)
