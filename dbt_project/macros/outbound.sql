{#-
  Shared pieces of the marts/outbound models: the rows tieout would write to Sage.

  Every outbound row carries an idempotency key, the Sage record it becomes, the ids of the
  open blocking exceptions that hold it and the named conditions (keys that do not fit, a
  coding that does not resolve, …) that hold it. Nothing here decides what is written: the
  models say which exceptions hold which row; these macros only do the bookkeeping.
-#}


{#- A Sage description: cut to the field's width, trailing blanks dropped (Sage pads text,
    the ODBC reads right-trim it). Only descriptions are ever cut, never keys. -#}
{% macro outbound_text(expr, width) -%}
rtrim(left({{ expr }}, {{ width }}))
{%- endmacro %}


{#- Seconds since 1970 of a timestamp with time zone: a version stamp that reads the same
    whatever the session's time zone (text renderings of a timestamptz do not). -#}
{% macro outbound_epoch(ts) -%}
cast(extract(epoch from {{ ts }}) as bigint)
{%- endmacro %}


{#- The idempotency key of an outbound row: md5(object type | source id | source version |
    hash of the fields written). A corrected source row (new updated_at or new values) gets a
    new key, so it supersedes a rejected one instead of being refused as a repeat. -#}
{% macro outbound_idempotency_key(object_type, source_id, version, fields) -%}
{{ stable_key(["'" ~ object_type ~ "'", source_id, version, stable_key(fields)]) }}
{%- endmacro %}


{#- Named blocking conditions of a row, as a comma-separated list in the order given (NULL
    when none holds). `checks` is a list of [name, SQL condition]; a NULL condition is false. -#}
{% macro outbound_conditions(checks) -%}
nullif(rtrim(
    {%- for name, condition in checks %}
    (case when {{ condition }} then '{{ name }},' else '' end){{ ' ||' if not loop.last }}
    {%- endfor %}
, ','), '')
{%- endmacro %}


{#- The Procore object family an exception's `procore_object` names. Exception models and
    the sync name objects differently (`subcontract`, `work_order_contracts`, …). -#}
{% macro outbound_family(object) -%}
case
    when {{ object }} in ('subcontract', 'purchase_order', 'work_order_contract', 'purchase_order_contract',
        'work_order_contracts', 'purchase_order_contracts', 'commitment') then 'commitment'
    when {{ object }} in ('commitment_change_order', 'commitment_change_orders') then 'commitment_change_order'
    when {{ object }} in ('requisition', 'requisitions') then 'requisition'
    when {{ object }} in ('vendor', 'vendors') then 'vendor'
    when {{ object }} in ('project', 'projects') then 'project'
    when {{ object }} in ('cost_code', 'cost_codes') then 'cost_code'
    when {{ object }} in ('budget_line_item', 'budget_detail_rows') then 'budget_line_item'
    when {{ object }} in ('payment_application', 'payment_applications') then 'payment_application'
    when {{ object }} in ('direct_cost', 'direct_costs') then 'direct_cost'
    else {{ object }}
end
{%- endmacro %}


{#- One "touch": the exceptions of `exception_types` about a Procore object (`family` +
    `procore_id`) and/or a Sage record (`sage_key`) hold the row `row_key` of `from`.
    `exception_types` ['*'] means every type about that object but `except_types` (the
    row's own source object: whatever blocking is open about it holds it).
    `idempotency_key` (write_rejected) narrows the match to the rejected version of the row:
    the writer records the rejected row's key in the exception's `field` (or procore_value).
    Touches whose id / key is NULL are dropped: they name nothing. -#}
{% macro outbound_touch(from, row_key, exception_types, family=none, procore_id=none, sage_key=none, idempotency_key=none, except_types=[]) -%}
{%- set any_type = exception_types == ['*'] -%}
select
    cast({{ row_key }} as varchar) as row_key,
    {{ 'cast(null as varchar)' if any_type else 'types.exception_type' }} as exception_type,
    cast({{ "'," ~ (except_types | join(',')) ~ ",'" if except_types else 'null' }} as varchar) as except_types,
    cast({{ "'" ~ family ~ "'" if family else 'null' }} as varchar) as procore_family,
    cast({{ procore_id if procore_id else 'null' }} as bigint) as procore_id,
    cast({{ sage_key if sage_key else 'null' }} as varchar) as sage_key,
    cast({{ idempotency_key if idempotency_key else 'null' }} as varchar) as idempotency_key
from {{ from }}
{%- if not any_type %}
cross join (values {% for t in exception_types %}('{{ t }}'){{ ', ' if not loop.last }}{% endfor %}) as types (exception_type)
{%- endif %}
where 1 = 1
    {%- if procore_id %} and {{ procore_id }} is not null{% endif %}
    {%- if sage_key %} and {{ sage_key }} is not null{% endif %}
    {%- if idempotency_key %} and {{ idempotency_key }} is not null{% endif %}
{%- endmacro %}


{#- Per row_key of `touches` (a CTE of outbound_touch rows): the sorted, comma-separated ids
    of the exceptions in marts.exception_queue that are blocking and open and match a touch.
    Resolved and ignored exceptions hold nothing. -#}
{% macro outbound_blocking_ids(touches) -%}
select
    matched.row_key,
    string_agg(matched.exception_id, ',' order by matched.exception_id) as blocking_exception_ids
from (
    select distinct touches.row_key, queue.exception_id
    from {{ touches }} as touches
    inner join {{ ref('exception_queue') }} as queue
        on (touches.exception_type is null or queue.exception_type = touches.exception_type)
        and (touches.except_types is null or position(',' || queue.exception_type || ',' in touches.except_types) = 0)
        and (touches.procore_id is null or queue.procore_id = touches.procore_id)
        and (touches.procore_family is null
            or {{ outbound_family('queue.procore_object') }} = touches.procore_family)
        and (touches.sage_key is null or queue.sage_key = touches.sage_key)
        and (touches.idempotency_key is null
            or queue.field = touches.idempotency_key or queue.procore_value = touches.idempotency_key)
    where queue.severity = 'blocking'
        and queue.status = 'open'
        and (touches.procore_id is not null or touches.sage_key is not null)
) as matched
group by matched.row_key
{%- endmacro %}


{#- The Sage commitment key width: the company's commitment mask (TS_CTL_RECORD_3 FLDCODE
    20), never more than the 12 characters the field holds; and whether Sage forces capitals. -#}
{% macro outbound_commitment_mask() -%}
select
    least(coalesce(sum(cslen), 12), 12) as commitment_width,
    coalesce(max(case when cntcap then 1 else 0 end), 0) = 1 as commitment_caps
from {{ ref('stg_sage__field_masks') }}
where fldcode = 20
{%- endmacro %}


{#- The GL expense account of an AP distribution by Sage category. Company configuration:
    set the dbt var `outbound_expense_accounts` ({category: account, 'default': account});
    a result that is not a Sage GL account holds the invoice. -#}
{% macro outbound_expense_account(category) -%}
{%- set accounts = var('outbound_expense_accounts', {'S': '5100', 'M': '5200', 'default': '5000'}) -%}
case
    {%- for category_code, account in accounts.items() if category_code != 'default' %}
    when {{ category }} = '{{ category_code }}' then '{{ account }}'
    {%- endfor %}
    else {{ "'" ~ accounts['default'] ~ "'" if 'default' in accounts else 'null' }}
end
{%- endmacro %}


{#- Procore budget lines, one row per budget line item (a line listed by several budget
    views counts once), with the Sage coding the translation gives it. -#}
{% macro outbound_budget_codings() -%}
select
    budget.budget_row_id,
    budget.project_id,
    budget.wbs_code_id,
    budget.cost_code_id,
    line_item_types.line_item_type_code,
    budget.original_budget_amount,
    budget.budget_modifications,
    budget.forecast_strategy,
    translation.job,
    translation.sage_extra,
    translation.sage_cost_code,
    translation.sage_category,
    translation.sage_key,
    coalesce(translation.outcome, 'unmapped') as coding_outcome
from (
    select detail.*,
        row_number() over (partition by detail.budget_row_id order by detail.budget_view_id) as pick
    from {{ ref('stg_procore__budget_detail_rows') }} as detail
) as budget
left join {{ ref('stg_procore__line_item_types') }} as line_item_types
    on line_item_types.line_item_type_id = budget.line_item_type_id
left join {{ ref('int_cost_code_translation') }} as translation
    on translation.project_id = budget.project_id
    and translation.cost_code_id = budget.cost_code_id
    and translation.line_item_type_code = line_item_types.line_item_type_code
where budget.pick = 1
{%- endmacro %}


{#- Every line of an approved CCO on a paired commitment, as Sage holds (or would hold) it:
    coding from the budget line with the same wbs_code_id; Item_Number = the amended
    commitment line's position, or for new scope (commitment_line_item_id NULL) the Sage CO
    item's when Sage has the CO, else the next number after the commitment's lines, in order
    of approval. `in_sage` says whether Sage has the CO. -#}
{% macro outbound_change_order_lines() -%}
with change_orders as (
    select change_orders.*, pairs.sage_commitment
    from {{ ref('stg_procore__commitment_change_orders') }} as change_orders
    inner join {{ ref('int_commitment_pairs') }} as pairs
        on pairs.commitment_id = change_orders.commitment_id
    where change_orders.status = 'approved' and pairs.sage_commitment is not null
),

co_lines as (
    select
        lines.*,
        change_orders.commitment_id,
        change_orders.sage_commitment,
        change_orders.change_order_number,
        change_orders.reviewed_at
    from {{ ref('stg_procore__commitment_change_order_line_items') }} as lines
    inner join change_orders on change_orders.change_order_id = lines.change_order_id
),

new_scope as (
    select
        change_order_line_id,
        row_number() over (
            partition by commitment_id
            order by reviewed_at, change_order_number, position, change_order_line_id
        ) as new_rank
    from co_lines
    where commitment_line_item_id is null
),

commitment_lines as (
    select commitment_id, line_item_id, position
    from {{ ref('int_procore__commitment_lines') }}
),

last_position as (
    select commitment_id, max(position) as last_position
    from commitment_lines
    group by commitment_id
),

budget as (
    {{ outbound_budget_codings() }}
),

budget_by_wbs as (
    select project_id, wbs_code_id, count(*) as budget_lines, min(budget_row_id) as budget_row_id
    from budget
    group by project_id, wbs_code_id
)

select
    co_lines.change_order_line_id,
    co_lines.change_order_id,
    co_lines.commitment_id,
    co_lines.project_id,
    co_lines.sage_commitment,
    co_lines.change_order_number,
    co_lines.position as line_number,
    co_lines.commitment_line_item_id,
    co_lines.commitment_line_item_id is null as is_new_item,
    coalesce(sage_items.item_number, amended.position,
        coalesce(last_position.last_position, 0) + new_scope.new_rank) as item_number,
    co_lines.commitment_line_item_id is not null and amended.position is null as amended_line_missing,
    coalesce(budget_by_wbs.budget_lines, 0) as budget_lines,
    budget.budget_row_id,
    budget.cost_code_id,
    budget.line_item_type_code,
    budget.job,
    budget.sage_extra,
    budget.sage_cost_code,
    budget.sage_category,
    budget.sage_key as coding_key,
    case
        when budget_by_wbs.budget_lines is null then 'no_budget_line'
        when budget_by_wbs.budget_lines > 1 then 'several_budget_lines'
        else budget.coding_outcome
    end as coding_outcome,
    co_lines.description,
    co_lines.amount,
    co_lines.quantity,
    co_lines.unit_cost,
    co_lines.uom,
    sage_co.commitment is not null as in_sage
from co_lines
left join new_scope on new_scope.change_order_line_id = co_lines.change_order_line_id
left join commitment_lines as amended
    on amended.line_item_id = co_lines.commitment_line_item_id
    and amended.commitment_id = co_lines.commitment_id
left join last_position on last_position.commitment_id = co_lines.commitment_id
left join budget_by_wbs
    on budget_by_wbs.project_id = co_lines.project_id
    and budget_by_wbs.wbs_code_id = co_lines.wbs_code_id
left join budget
    on budget.budget_row_id = budget_by_wbs.budget_row_id
    and budget_by_wbs.budget_lines = 1
left join {{ ref('stg_sage__commitment_change_orders') }} as sage_co
    on sage_co.commitment = co_lines.sage_commitment
    and sage_co.commitment_co = co_lines.change_order_number
left join {{ ref('stg_sage__commitment_change_order_items') }} as sage_items
    on sage_items.commitment = co_lines.sage_commitment
    and sage_items.commitment_co = co_lines.change_order_number
    and sage_items.line_number = co_lines.position
{%- endmacro %}


{#- The lines of Procore commitments as Sage commitment items (.jcc CI records):
    Item_Number = position, coding through the cost code translation. Lump-sum lines
    (uom LS or none) carry Units 0, Unit_Cost 0, 'LS' as Sage holds them. -#}
{% macro outbound_commitment_item_rows() -%}
select
    lines.commitment_id,
    lines.line_item_id,
    lines.project_id,
    lines.position as item_number,
    {{ outbound_text('lines.description', 30) }} as description,
    translation.job,
    translation.sage_extra as extra,
    translation.sage_cost_code as cost_code,
    translation.sage_category as category,
    coalesce(translation.outcome, 'unmapped') as coding_outcome,
    translation.sage_key as coding_key,
    lines.cost_code_id,
    lines.line_item_type_code,
    coalesce(upper(lines.uom), 'LS') = 'LS' as is_lump_sum,
    cast(case when coalesce(upper(lines.uom), 'LS') = 'LS' then 0 else lines.quantity end as decimal(18,4)) as units,
    cast(case when coalesce(upper(lines.uom), 'LS') = 'LS' then 0 else lines.unit_cost end as decimal(18,4)) as unit_cost,
    case when coalesce(upper(lines.uom), 'LS') = 'LS' then 'LS' else lines.uom end as unit_description,
    cast(lines.amount as decimal(18,2)) as amount,
    lines.updated_at
from {{ ref('int_procore__commitment_lines') }} as lines
left join {{ ref('int_cost_code_translation') }} as translation
    on translation.project_id = lines.project_id
    and translation.cost_code_id = lines.cost_code_id
    and translation.line_item_type_code = lines.line_item_type_code
{%- endmacro %}


{#- Every requisition item with money, as the Sage AP distribution its requisition's invoice
    carries (README "Money"): Amount = this period's change in completed and stored to date
    (gross), Retainage = retainage newly held this period (work retained + change in stored
    materials retainage + materials retainage released), coded through the commitment line
    it bills (contract / detail items: the SOV line; CO items: the amended line, or for new
    scope the CO line's budget line), Commitment_Line_Item = that Sage item. Dist_Seq numbers
    the items with money in G703 order. -#}
{% macro outbound_requisition_distribution_rows() -%}
with requisitions as (
    select requisition_id, commitment_id, requisition_number, project_id
    from {{ ref('int_procore__requisitions') }}
),

items as (
    select
        items.*,
        requisitions.commitment_id,
        requisitions.requisition_number,
        case when items.item_type = 'change_order_item' then 'change_order' else 'contract' end as line_kind
    from {{ ref('stg_procore__requisition_items') }} as items
    inner join requisitions on requisitions.requisition_id = items.requisition_id
),

periods as (
    select
        items.*,
        cast(coalesce(items.completed_and_stored_to_date, 0)
            - coalesce(lag(items.completed_and_stored_to_date) over w, 0) as decimal(18,2)) as amount,
        cast(coalesce(items.work_retainage_retained_this_period, 0)
            + coalesce(items.materials_retainage_balance, 0)
            - coalesce(lag(items.materials_retainage_balance) over w, 0)
            + coalesce(items.materials_retainage_released_this_period, 0) as decimal(18,2)) as retainage,
        cast(coalesce(items.work_retainage_released_this_period, 0)
            + coalesce(items.materials_retainage_released_this_period, 0) as decimal(18,2)) as retainage_released
    from items
    window w as (
        partition by items.commitment_id, items.line_kind, items.line_item_id
        order by items.requisition_number
    )
),

commitment_lines as (
    select commitment_id, line_item_id, position, cost_code_id, line_item_type_code
    from {{ ref('int_procore__commitment_lines') }}
),

co_lines as (
    {{ outbound_change_order_lines() }}
),

coded as (
    select
        periods.requisition_item_id,
        periods.requisition_id,
        periods.commitment_id,
        periods.project_id,
        periods.position,
        periods.item_type,
        periods.line_kind,
        periods.line_item_id,
        periods.change_order_id,
        periods.amount,
        periods.retainage,
        periods.retainage_released,
        case
            when periods.line_kind = 'contract' then sov_line.position
            when periods.commitment_line_item_id is not null then amended.position
            else co_lines.item_number
        end as commitment_line_item,
        case
            when periods.line_kind = 'contract' then sov_line.cost_code_id
            when periods.commitment_line_item_id is not null then amended.cost_code_id
            else co_lines.cost_code_id
        end as cost_code_id,
        case
            when periods.line_kind = 'contract' then sov_line.line_item_type_code
            when periods.commitment_line_item_id is not null then amended.line_item_type_code
            else co_lines.line_item_type_code
        end as line_item_type_code,
        case when periods.line_kind = 'change_order' then co_lines.in_sage end as change_order_in_sage,
        case when periods.line_kind = 'change_order' then co_lines.change_order_number end as change_order_number
    from periods
    left join commitment_lines as sov_line
        on periods.line_kind = 'contract'
        and sov_line.line_item_id = periods.line_item_id
        and sov_line.commitment_id = periods.commitment_id
    left join commitment_lines as amended
        on periods.line_kind = 'change_order'
        and amended.line_item_id = periods.commitment_line_item_id
        and amended.commitment_id = periods.commitment_id
    left join co_lines
        on periods.line_kind = 'change_order'
        and co_lines.change_order_line_id = periods.line_item_id
    where periods.amount <> 0 or periods.retainage <> 0
)

select
    coded.*,
    row_number() over (
        partition by coded.requisition_id order by coded.position, coded.requisition_item_id
    ) as dist_seq,
    translation.job,
    translation.sage_extra as extra,
    translation.sage_cost_code as cost_code,
    translation.sage_category as category,
    coalesce(translation.outcome, 'unmapped') as coding_outcome,
    translation.sage_key as coding_key,
    cost_codes.cost_code_name
from coded
left join {{ ref('int_cost_code_translation') }} as translation
    on translation.project_id = coded.project_id
    and translation.cost_code_id = coded.cost_code_id
    and translation.line_item_type_code = coded.line_item_type_code
left join {{ ref('stg_procore__cost_codes') }} as cost_codes
    on cost_codes.cost_code_id = coded.cost_code_id
{%- endmacro %}


{#- Data test: a header's money column equals the sum of its child rows' column, matched on
    the idempotency key (child rows carry their header's). Fails on orphan children too. -#}
{% test outbound_sum_of_lines(model, column_name, lines, lines_column, key='idempotency_key') %}
with header as (
    select {{ key }} as header_key, {{ column_name }} as header_amount from {{ model }}
),

line_totals as (
    select {{ key }} as header_key, sum({{ lines_column }}) as lines_amount
    from {{ lines }}
    group by {{ key }}
)

select
    coalesce(header.header_key, line_totals.header_key) as header_key,
    header.header_amount,
    line_totals.lines_amount
from header
full outer join line_totals on line_totals.header_key = header.header_key
where header.header_key is null
    or coalesce(header.header_amount, 0) <> coalesce(line_totals.lines_amount, 0)
{% endtest %}


{#- Data test: `is_blocked` is exactly "an open blocking exception or a named condition
    holds the row" — so the writer can trust the flag alone. -#}
{% test outbound_blocked_flag(model) %}
select *
from {{ model }}
where is_blocked is null
    or is_blocked <> (blocking_exception_ids is not null or blocking_conditions is not null)
{% endtest %}
