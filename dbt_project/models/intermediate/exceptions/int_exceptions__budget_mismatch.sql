-- A Procore budget row (translated to a valid Sage coding) whose original budget or
-- approved modifications differ from the Sage estimate on that coding.
with budget as (
    select distinct budget.budget_row_id, budget.project_id, budget.original_budget_amount,
        budget.budget_modifications, translation.job, translation.sage_key,
        translation.sage_extra, translation.sage_cost_code, translation.sage_category
    from {{ ref('stg_procore__budget_detail_rows') }} as budget
    inner join {{ ref('stg_procore__line_item_types') }} as lit
        on lit.line_item_type_id = budget.line_item_type_id
    inner join {{ ref('int_cost_code_translation') }} as translation
        on translation.project_id = budget.project_id
        and translation.cost_code_id = budget.cost_code_id
        and translation.line_item_type_code = lit.line_item_type_code
    where translation.outcome = 'mapped'
)

select
    'budget_mismatch' as exception_type,
    budget.project_id,
    budget.job,
    'budget_line_item' as procore_object,
    budget.budget_row_id as procore_id,
    'JCM_MASTER__CATEGORY' as sage_object,
    budget.sage_key,
    case when abs(budget.original_budget_amount - chart.original_estimate) > {{ var('money_tolerance') }}
        then 'original_estimate' else 'approved_estimate_changes' end as field,
    {{ money_text('budget.original_budget_amount') }} || ' + ' || {{ money_text('budget.budget_modifications') }}
        as procore_value,
    {{ money_text('chart.original_estimate') }} || ' + ' || {{ money_text('chart.approved_estimate_changes') }}
        as sage_value,
    'Budget on ' || budget.sage_key || ': Procore original ' || {{ money_text('budget.original_budget_amount') }}
        || ' + modifications ' || {{ money_text('budget.budget_modifications') }} || ', Sage estimate '
        || {{ money_text('chart.original_estimate') }} || ' + approved changes '
        || {{ money_text('chart.approved_estimate_changes') }} || '.' as message
from budget
inner join {{ ref('stg_sage__job_categories') }} as chart
    on chart.job = budget.job
    and chart.extra = budget.sage_extra
    and chart.cost_code = budget.sage_cost_code
    and chart.category = budget.sage_category
where abs(coalesce(budget.original_budget_amount, 0) - coalesce(chart.original_estimate, 0))
        > {{ var('money_tolerance') }}
    or abs(coalesce(budget.budget_modifications, 0) - coalesce(chart.approved_estimate_changes, 0))
        > {{ var('money_tolerance') }}
