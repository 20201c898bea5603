-- The items of each outbound commitment change order (JCM_MASTER__COMMITMENT_CO_ITEM,
-- .jcc record CCOI): Line_Number = the CCO line's position; coding = the budget line with
-- the same wbs_code_id, translated; Item_Number = the amended commitment line's position,
-- or for new scope (commitment_line_item_id NULL) the next item number after the
-- commitment's lines in order of approval (is_new_item: Sage creates that item with
-- Amount 0.00 and this amount as Approved_Commitment_CO_Amount). Written with its header or
-- not at all: carries the header's idempotency key and holds.
with headers as (
    select * from {{ ref('outbound_commitment_change_orders') }}
),

co_lines as (
    {{ outbound_change_order_lines() }}
),

lines as (
    select co_lines.*
    from co_lines
    inner join headers on headers.source_id = co_lines.change_order_id
),

touches as (
    {{ outbound_touch('lines', 'lines.change_order_line_id', ['commitment_line_mismatch'], 'commitment',
        'lines.commitment_id', 'lines.coding_key') }}
    union all
    {{ outbound_touch('lines', 'lines.change_order_line_id', ['unmapped_cost_code', 'ambiguous_cost_code'],
        'cost_code', 'lines.cost_code_id') }}
    union all
    {{ outbound_touch('lines', 'lines.change_order_line_id', ['invalid_sage_target'], 'cost_code',
        'lines.cost_code_id', 'lines.coding_key') }}
),

line_blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    headers.idempotency_key,
    'commitment_change_order_line_item' as source_object,
    lines.change_order_line_id as source_id,
    headers.project_id,
    'JCM_MASTER__COMMITMENT_CO_ITEM' as target_object,
    'CCOI' as import_record,
    headers.commitment || '|' || headers.commitment_co || '|' || cast(lines.line_number as varchar) as sage_key,
    headers.commitment,
    headers.commitment_co,
    lines.line_number,
    lines.item_number,
    lines.is_new_item,
    {{ outbound_text('lines.description', 30) }} as description,
    lines.job,
    lines.sage_extra as extra,
    lines.sage_cost_code as cost_code,
    lines.sage_category as category,
    cast(0 as decimal(18,4)) as units,
    cast(lines.amount as decimal(18,2)) as amount,
    lines.commitment_line_item_id as procore_commitment_line_item_id,
    lines.budget_row_id as procore_budget_row_id,
    lines.coding_outcome,
    line_blockers.blocking_exception_ids as line_blocking_exception_ids,
    {{ outbound_conditions([
        ['line_coding_unresolved', "lines.coding_outcome <> 'mapped'"],
        ['amended_line_unknown', 'lines.amended_line_missing'],
        ['item_number_invalid', 'lines.item_number is null or lines.item_number > 99999'],
    ]) }} as line_conditions,
    headers.blocking_exception_ids,
    headers.blocking_conditions,
    headers.is_blocked,
    headers.needs_approval_reason
from lines
inner join headers on headers.source_id = lines.change_order_id
left join line_blockers on line_blockers.row_key = cast(lines.change_order_line_id as varchar)
