-- Procore cost code (+ line item type, + project) → Sage job · extra · cost code · category.
-- Sources of truth, first that applies:
--   1. per-job override (control store: cost_code_overrides)
--   2. controller map (control store: cost_code_map); only the most specific matching rows
--      count (job + type > job > type > neither); two different targets = ambiguous
--   3. project prefix rules resolve the job part only (int_projects)
--   4. SQL rules (int_cost_codes__sql_rules), which finance analysts edit
-- Category = the line item type code unless the map row names one. The extra is the sub
-- job's code when the cost code is billed to a sub job.
-- outcome: mapped (valid on the job chart) | invalid_sage_target | ambiguous | unmapped.
with refs as (
    select * from {{ ref('int_cost_code_references') }}
),

projects as (
    select project_id, job from {{ ref('int_projects') }} where job_exists
),

codes as (
    select
        codes.cost_code_id,
        codes.full_code,
        case when codes.biller_type = 'SubJob' then sub_jobs.sub_job_code else '' end as extra
    from {{ ref('stg_procore__cost_codes') }} as codes
    left join {{ ref('stg_procore__sub_jobs') }} as sub_jobs
        on codes.biller_type = 'SubJob' and sub_jobs.sub_job_id = codes.biller_id
),

candidates as (
    select refs.project_id, projects.job, refs.cost_code_id, codes.full_code, codes.extra,
        refs.line_item_type_code, refs.used_by
    from refs
    inner join projects on projects.project_id = refs.project_id
    inner join codes on codes.cost_code_id = refs.cost_code_id
),

overrides as (
    select job, procore_cost_code, min(sage_cost_code) as sage_cost_code
    from {{ ref('stg_control__cost_code_overrides') }}
    group by job, procore_cost_code
),

map_matches as (
    select
        candidates.project_id,
        candidates.cost_code_id,
        candidates.line_item_type_code,
        map.sage_cost_code,
        coalesce(map.sage_category, candidates.line_item_type_code) as sage_category,
        case when map.job is not null then 2 else 0 end
            + case when map.line_item_type is not null then 1 else 0 end as specificity
    from candidates
    inner join {{ ref('stg_control__cost_code_map') }} as map
        on map.procore_cost_code = candidates.full_code
        and (map.job is null or map.job = candidates.job)
        and (map.line_item_type is null or map.line_item_type = candidates.line_item_type_code)
),

most_specific as (
    select *, max(specificity) over (
        partition by project_id, cost_code_id, line_item_type_code
    ) as best
    from map_matches
),

map_result as (
    select
        project_id,
        cost_code_id,
        line_item_type_code,
        count(distinct sage_cost_code || '|' || sage_category) as targets,
        min(sage_cost_code) as sage_cost_code,
        min(sage_category) as sage_category
    from most_specific
    where specificity = best
    group by project_id, cost_code_id, line_item_type_code
),

translated as (
    select
        candidates.*,
        case
            when overrides.sage_cost_code is not null then overrides.sage_cost_code
            when map_result.targets = 1 then map_result.sage_cost_code
            when map_result.targets > 1 then null
            else sql_rules.sage_cost_code
        end as sage_cost_code,
        case
            when overrides.sage_cost_code is not null then candidates.line_item_type_code
            when map_result.targets = 1 then map_result.sage_category
            when map_result.targets > 1 then null
            when sql_rules.sage_cost_code is not null then candidates.line_item_type_code
        end as sage_category,
        case
            when overrides.sage_cost_code is not null then 'per-job override'
            when map_result.targets = 1 then 'controller map'
            when map_result.targets > 1 then 'controller map (' || cast(map_result.targets as varchar) || ' targets)'
            else sql_rules.rule
        end as rule,
        case
            when overrides.sage_cost_code is not null then 'translated'
            when map_result.targets = 1 then 'translated'
            when map_result.targets > 1 then 'ambiguous'
            when sql_rules.sage_cost_code is not null then 'translated'
            else 'unmapped'
        end as translation
    from candidates
    left join overrides
        on overrides.job = candidates.job and overrides.procore_cost_code = candidates.full_code
    left join map_result
        on map_result.project_id = candidates.project_id
        and map_result.cost_code_id = candidates.cost_code_id
        and map_result.line_item_type_code = candidates.line_item_type_code
    left join {{ ref('int_cost_codes__sql_rules') }} as sql_rules
        on sql_rules.full_code = candidates.full_code
)

select
    translated.project_id,
    translated.job,
    translated.cost_code_id,
    translated.full_code,
    translated.line_item_type_code,
    translated.used_by,
    translated.extra as sage_extra,
    translated.sage_cost_code,
    translated.sage_category,
    translated.rule,
    case
        when translated.translation <> 'translated' then translated.translation
        when chart.job is null then 'invalid_sage_target'
        else 'mapped'
    end as outcome,
    translated.job || '|' || translated.extra || '|' || translated.sage_cost_code || '|'
        || translated.sage_category as sage_key
from translated
left join {{ ref('stg_sage__job_categories') }} as chart
    on chart.job = translated.job
    and chart.extra = translated.extra
    and chart.cost_code = translated.sage_cost_code
    and chart.category = translated.sage_category
