-- The items of each outbound commitment (JCM_MASTER__COMMITMENT_ITEM, .jcc record CI):
-- Item_Number = the Procore line's position, coding = the translated Sage job · extra ·
-- cost code · category, Amount = the line amount; lump-sum lines carry Units 0,
-- Unit_Cost 0, 'LS' as Sage holds them. A line is written with its header or not at all:
-- it carries the header's idempotency key and holds (`line_*` say what is wrong with it).
with headers as (
    select * from {{ ref('outbound_commitments') }}
),

items as (
    select items.*
    from ({{ outbound_commitment_item_rows() }}) as items
    inner join headers on headers.source_id = items.commitment_id
),

touches as (
    {{ outbound_touch('items', 'items.line_item_id', ['unmapped_cost_code', 'ambiguous_cost_code'],
        'cost_code', 'items.cost_code_id') }}
    union all
    {{ outbound_touch('items', 'items.line_item_id', ['invalid_sage_target'],
        'cost_code', 'items.cost_code_id', 'items.coding_key') }}
),

line_blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    headers.idempotency_key,
    'commitment_line_item' as source_object,
    items.line_item_id as source_id,
    headers.project_id,
    'JCM_MASTER__COMMITMENT_ITEM' as target_object,
    'CI' as import_record,
    headers.commitment || '|' || cast(items.item_number as varchar) as sage_key,
    headers.commitment,
    items.item_number,
    items.description,
    headers.retainage_percent,
    items.job,
    items.extra,
    items.cost_code,
    items.category,
    items.units,
    items.unit_cost,
    items.unit_description,
    items.amount,
    cast(0 as decimal(18,2)) as tax,
    '' as tax_group,
    items.coding_outcome,
    line_blockers.blocking_exception_ids as line_blocking_exception_ids,
    {{ outbound_conditions([
        ['line_coding_unresolved', "items.coding_outcome <> 'mapped'"],
        ['item_number_missing', 'items.item_number is null'],
        ['unit_price_line_invalid', 'not items.is_lump_sum and (length(items.unit_description) > 6
            or cast(items.units * items.unit_cost as decimal(18,2)) <> items.amount)'],
    ]) }} as line_conditions,
    headers.blocking_exception_ids,
    headers.blocking_conditions,
    headers.is_blocked,
    headers.needs_approval_reason
from items
inner join headers on headers.source_id = items.commitment_id
left join line_blockers on line_blockers.row_key = cast(items.line_item_id as varchar)
