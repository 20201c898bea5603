-- Sage's WIP outputs read back per job · extra · cost code (JCM_MASTER__COST_CODE), for
-- project managers: Sage's estimate, cost to date, cost at completion, cost to complete and
-- percent complete, next to the Procore project and cost codes that post to the code and
-- Procore's budget and forecast translated onto it.
--
--   procore_revised_budget       Σ revised_budget of the Procore budget lines whose
--                                translated coding is on this cost code (mapped lines only).
--   forecast_to_complete         Σ Procore forecast of those lines when every one has one;
--                                else greatest(procore_revised_budget − Sage JTD_Cost, 0).
--                                NULL when no Procore budget line maps here.
--   procore_cost_at_completion   Sage JTD_Cost + forecast_to_complete.
--   cost_to_complete_variance    Sage Cost_To_Comp − forecast_to_complete: positive when
--                                Sage expects more cost to come than Procore's forecast.
--   budget_variance              Sage Total_Estimate − procore_revised_budget.
-- Sage's own rules (tested in _wip.yml): Cost_At_Comp = max(Total_Estimate, JTD_Cost),
-- Cost_To_Comp = Cost_At_Comp − JTD_Cost, Percent_Complete = JTD_Cost / Cost_At_Comp × 100.
with cost_codes as (
    select * from {{ ref('stg_sage__job_cost_codes') }}
),

categories as (
    select
        job, extra, cost_code,
        count(*) as categories,
        cast(sum(jtd_cost) as decimal(18,2)) as jtd_cost,
        cast(sum(total_estimate) as decimal(18,2)) as total_estimate
    from {{ ref('stg_sage__job_categories') }}
    group by job, extra, cost_code
),

budget as (
    select
        job,
        sage_extra as extra,
        sage_cost_code as cost_code,
        count(*) as budget_lines,
        count(procore_forecast_to_complete) as forecast_lines,
        cast(sum(revised_budget) as decimal(18,2)) as revised_budget,
        cast(sum(procore_forecast_to_complete) as decimal(18,2)) as forecast_sum
    from {{ ref('wip_budget_lines') }}
    where mapping_outcome = 'mapped'
    group by job, sage_extra, sage_cost_code
),

procore_codes as (
    select distinct job, sage_extra as extra, sage_cost_code as cost_code, project_id,
        cost_code_id, full_code
    from {{ ref('int_cost_code_translation') }}
    where outcome = 'mapped'
),

procore_code_lists as (
    select
        job, extra, cost_code,
        min(project_id) as project_id,
        count(*) as procore_cost_codes,
        min(cost_code_id) as first_cost_code_id,
        string_agg(full_code, ', ' order by full_code) as procore_full_codes
    from procore_codes
    group by job, extra, cost_code
),

projects as (
    select job, min(project_id) as project_id, min(project_name) as project_name
    from {{ ref('int_projects') }}
    where job_exists
    group by job
),

joined as (
    select
        cost_codes.job,
        cost_codes.extra,
        cost_codes.cost_code,
        cost_codes.description,
        cost_codes.status as cost_code_status,
        projects.project_id,
        projects.project_name,
        case when procore_code_lists.procore_cost_codes = 1
            then procore_code_lists.first_cost_code_id end as procore_cost_code_id,
        procore_code_lists.procore_full_codes,
        coalesce(procore_code_lists.procore_cost_codes, 0) as procore_cost_codes,
        cost_codes.total_estimate as sage_total_estimate,
        cost_codes.jtd_cost as sage_jtd_cost,
        cost_codes.cost_at_comp as sage_cost_at_comp,
        cost_codes.cost_to_comp as sage_cost_to_comp,
        cost_codes.percent_complete as sage_percent_complete,
        cost_codes.revised_commitment as sage_revised_commitment,
        cost_codes.commitment_invoiced as sage_commitment_invoiced,
        categories.jtd_cost as sage_categories_jtd_cost,
        categories.total_estimate as sage_categories_total_estimate,
        coalesce(budget.budget_lines, 0) as procore_budget_lines,
        budget.revised_budget as procore_revised_budget,
        cast(case when budget.budget_lines > 0 and budget.forecast_lines = budget.budget_lines
            then budget.forecast_sum end as decimal(18,2)) as procore_forecast_to_complete
    from cost_codes
    left join categories
        on categories.job = cost_codes.job
        and categories.extra = cost_codes.extra
        and categories.cost_code = cost_codes.cost_code
    left join budget
        on budget.job = cost_codes.job
        and budget.extra = cost_codes.extra
        and budget.cost_code = cost_codes.cost_code
    left join procore_code_lists
        on procore_code_lists.job = cost_codes.job
        and procore_code_lists.extra = cost_codes.extra
        and procore_code_lists.cost_code = cost_codes.cost_code
    left join projects on projects.job = cost_codes.job
),

forecast as (
    select
        joined.*,
        cast(case
            when procore_budget_lines = 0 then null
            when procore_forecast_to_complete is not null then procore_forecast_to_complete
            else greatest(procore_revised_budget - coalesce(sage_jtd_cost, 0), 0)
        end as decimal(18,2)) as forecast_to_complete,
        case
            when procore_budget_lines = 0 then null
            when procore_forecast_to_complete is not null then 'procore forecast'
            else 'revised budget less cost to date'
        end as forecast_basis
    from joined
)

select
    forecast.*,
    cast(coalesce(sage_jtd_cost, 0) + forecast_to_complete as decimal(18,2)) as procore_cost_at_completion,
    cast(sage_cost_to_comp - forecast_to_complete as decimal(18,2)) as cost_to_complete_variance,
    cast(sage_total_estimate - procore_revised_budget as decimal(18,2)) as budget_variance
from forecast
