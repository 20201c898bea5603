-- Sage's cost to complete read back into Procore's budget: one row per Procore budget line
-- item mapped to exactly one Sage job·extra·cost code·category, carrying Sage's forecast
-- to complete for it, where Procore's forecast differs. Written through Procore's Advanced
-- Forecasting rows (POST /rest/v2.0/companies/{company_id}/projects/{project_id}/
-- advanced_forecastings/rows, operationId
-- RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRowsPost: a row takes
-- wbs_code_id (required), budget_line_item_id and forecast_to_complete). Procore's budget
-- line item writes (budget_line_items/sync, PATCH …/budget_line_items/{id}) take only the
-- original budget, so Advanced Forecasting is the one documented forecast write path.
--
-- Sage's rules per category (JCM_MASTER__CATEGORY, as Sage's WIP does per cost code, see
-- cost_to_complete): cost at completion = greatest(Total_Estimate, JTD_Cost), cost to
-- complete = cost at completion − JTD_Cost.
-- Forecasting rows carry no origin_id/origin_data: origin_id here is the Sage category key
-- (our ERP link in the outbox only), and a write is recognised in Procore by its value
-- (the line's forecast_to_complete equals the one written).
--
-- Held by (open blocking exceptions): write_rejected of this version. Held by conditions:
-- no_wbs_code (Procore needs the line's WBS code), sage_category_missing (the mapped
-- category is not on the Sage job), shared_sage_category (several Procore lines map to one
-- Sage category: its cost to complete cannot be split without a rule). Replacing a forecast
-- Procore holds that is not automatically calculated needs a controller (it is a project
-- manager's number); Procore's automatic forecast is replaced without one.
with lines as (
    select *
    from {{ ref('wip_budget_lines') }}
    where mapping_outcome = 'mapped' and budget_row_id is not null
),

sage as (
    select
        job || '|' || extra || '|' || cost_code || '|' || category as sage_key,
        cast(sum(jtd_cost) as decimal(18,2)) as jtd_cost,
        cast(sum(total_estimate) as decimal(18,2)) as total_estimate
    from {{ ref('stg_sage__job_categories') }}
    group by job, extra, cost_code, category
),

shared as (
    select project_id, sage_key, count(*) as budget_lines
    from lines
    group by project_id, sage_key
),

valued as (
    select
        lines.budget_row_id,
        lines.project_id,
        lines.wbs_code_id,
        lines.job,
        lines.sage_key,
        lines.full_code,
        lines.line_item_type_code,
        lines.revised_budget,
        lines.procore_forecast_to_complete,
        lines.forecast_strategy,
        sage.sage_key is not null as sage_found,
        sage.jtd_cost as sage_jtd_cost,
        sage.total_estimate as sage_total_estimate,
        cast(greatest(coalesce(sage.total_estimate, 0), coalesce(sage.jtd_cost, 0))
            as decimal(18,2)) as sage_cost_at_completion,
        cast(greatest(coalesce(sage.total_estimate, 0), coalesce(sage.jtd_cost, 0))
            - coalesce(sage.jtd_cost, 0) as decimal(18,2)) as forecast_to_complete,
        shared.budget_lines as budget_lines_on_category
    from lines
    left join sage on sage.sage_key = lines.sage_key
    left join shared on shared.project_id = lines.project_id and shared.sage_key = lines.sage_key
),

keyed as (
    select
        {{ outbound_idempotency_key('procore_cost_to_complete', 'valued.budget_row_id', "'0'", [
            'valued.sage_key', 'valued.wbs_code_id', 'valued.forecast_to_complete',
            'valued.procore_forecast_to_complete'
        ]) }} as idempotency_key,
        valued.*,
        {{ outbound_conditions([
            ['no_wbs_code', 'valued.wbs_code_id is null'],
            ['sage_category_missing', 'not valued.sage_found'],
            ['shared_sage_category', 'valued.budget_lines_on_category > 1'],
        ]) }} as blocking_conditions,
        case when valued.procore_forecast_to_complete is not null
            and coalesce(valued.forecast_strategy, '') <> 'automatic'
            then 'Replaces the Procore forecast to complete '
                || cast(valued.procore_forecast_to_complete as varchar) || ' of budget line '
                || coalesce(valued.full_code, '') || ' ' || coalesce(valued.line_item_type_code, '')
                || ' with Sage''s ' || cast(valued.forecast_to_complete as varchar) || '.'
        end as needs_approval_reason
    from valued
    where valued.procore_forecast_to_complete is distinct from valued.forecast_to_complete
),

touches as (
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['write_rejected'], sage_key='keyed.sage_key',
        idempotency_key='keyed.idempotency_key') }}
),

blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    keyed.idempotency_key,
    'procore_budget_line_item' as source_object,
    keyed.budget_row_id as source_id,
    keyed.project_id,
    'procore_advanced_forecasting_row' as target_object,
    keyed.sage_key,
    keyed.sage_key as origin_id,
    keyed.budget_row_id as budget_line_item_id,
    keyed.wbs_code_id,
    keyed.forecast_to_complete,
    keyed.procore_forecast_to_complete,
    keyed.forecast_strategy as procore_forecast_strategy,
    keyed.sage_jtd_cost,
    keyed.sage_total_estimate,
    keyed.sage_cost_at_completion,
    keyed.revised_budget as procore_revised_budget,
    keyed.job,
    keyed.full_code,
    keyed.line_item_type_code,
    blockers.blocking_exception_ids,
    keyed.blocking_conditions,
    blockers.blocking_exception_ids is not null or keyed.blocking_conditions is not null as is_blocked,
    keyed.needs_approval_reason
from keyed
left join blockers on blockers.row_key = keyed.idempotency_key
