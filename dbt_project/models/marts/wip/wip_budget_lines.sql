-- The Procore budget as the WIP inputs read it: one row per budget line item, read
-- through ONE budget view per project (Procore repeats every line in every view): the
-- `standard` view, else the lowest view id. Each line carries its Sage coding from the
-- cost code translation. Only `mapping_outcome = 'mapped'` lines sit on the Sage job chart;
-- the others are exceptions (unmapped_cost_code, ambiguous_cost_code, invalid_sage_target,
-- job_missing_in_sage) and still count in the job's Procore totals.
with views as (
    select distinct budget.project_id, budget.budget_view_id, coalesce(views.role, '') as role
    from {{ ref('stg_procore__budget_detail_rows') }} as budget
    left join {{ ref('stg_procore__budget_views') }} as views
        on views.budget_view_id = budget.budget_view_id
),

picked_views as (
    select project_id, budget_view_id
    from (
        select
            project_id,
            budget_view_id,
            row_number() over (
                partition by project_id
                order by case when role = 'standard' then 0 else 1 end, budget_view_id
            ) as pick
        from views
    ) as ranked
    where pick = 1
),

lines as (
    select budget.*
    from {{ ref('stg_procore__budget_detail_rows') }} as budget
    inner join picked_views
        on picked_views.project_id = budget.project_id
        and picked_views.budget_view_id = budget.budget_view_id
)

select
    lines.budget_row_id,
    lines.project_id,
    projects.project_name,
    projects.job,
    coalesce(projects.job_exists, false) as job_exists,
    lines.budget_view_id,
    lines.cost_code_id,
    codes.full_code,
    lit.line_item_type_code,
    lines.wbs_code_id,
    lines.original_budget_amount,
    lines.budget_modifications,
    lines.revised_budget,
    lines.forecast_to_complete as procore_forecast_to_complete,
    lines.forecast_strategy,
    case
        when projects.job_exists is not true then 'job_missing_in_sage'
        else coalesce(translation.outcome, 'unmapped')
    end as mapping_outcome,
    translation.rule as mapping_rule,
    translation.sage_extra,
    translation.sage_cost_code,
    translation.sage_category,
    case when translation.outcome = 'mapped' then translation.sage_key end as sage_key
from lines
left join {{ ref('int_projects') }} as projects on projects.project_id = lines.project_id
left join {{ ref('stg_procore__cost_codes') }} as codes on codes.cost_code_id = lines.cost_code_id
left join {{ ref('stg_procore__line_item_types') }} as lit
    on lit.line_item_type_id = lines.line_item_type_id
left join {{ ref('int_cost_code_translation') }} as translation
    on translation.project_id = lines.project_id
    and translation.cost_code_id = lines.cost_code_id
    and translation.line_item_type_code = lit.line_item_type_code
