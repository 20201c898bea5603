-- Job cost summary for owners, executives and BI: one row per job (every Sage job and every
-- job a Procore project resolves to; see wip_inputs). Accounting figures are Sage's (the
-- books); budget figures are Procore's (the project managers'); each Procore / Sage pair
-- that must tie sits side by side with a `procore_` / `sage_` prefix.
--
--   budget_margin              contract_amount − revised_budget (margin as budgeted)
--   projected_margin           contract_amount − estimated_cost_at_completion (Sage Cost_At_Comp)
--   projected_margin_percent   100 × projected_margin / contract_amount (NULL when no contract)
--   billed_less_cost           billed_to_date − cost_to_date (cash-basis position to date)
--   uncommitted_budget         revised_budget − committed_cost (budget not yet bought out)
with inputs as (
    select * from {{ ref('wip_inputs') }}
),

exceptions as (
    select
        job,
        count(*) as open_exceptions,
        sum(case when severity = 'blocking' then 1 else 0 end) as blocking_exceptions
    from {{ ref('exception_queue') }}
    where status = 'open' and job is not null
    group by job
),

summary as (
    select
        inputs.job,
        inputs.project_id,
        inputs.project_name,
        inputs.job_description,
        inputs.job_status,
        inputs.project_id is not null as in_procore,
        inputs.job_exists_in_sage as in_sage,
        inputs.original_budget,
        inputs.budget_at_completion as revised_budget,
        inputs.sage_total_estimate,
        inputs.sage_committed_cost as committed_cost,
        inputs.procore_committed_cost,
        inputs.cost_to_date,
        inputs.sage_cost_at_comp as estimated_cost_at_completion,
        inputs.sage_cost_to_comp as cost_to_complete,
        inputs.sage_percent_complete as percent_complete,
        inputs.sage_contract_amount as contract_amount,
        inputs.procore_contract_amount,
        inputs.sage_billed_to_date as billed_to_date,
        inputs.procore_billed_to_date,
        inputs.sage_retainage_held as retainage_receivable
    from inputs
)

select
    summary.*,
    cast(contract_amount - revised_budget as decimal(18,2)) as budget_margin,
    cast(contract_amount - estimated_cost_at_completion as decimal(18,2)) as projected_margin,
    cast(round(case when contract_amount <> 0
        then 100 * (contract_amount - estimated_cost_at_completion) / contract_amount end, 2)
        as decimal(9,4)) as projected_margin_percent,
    cast(billed_to_date - cost_to_date as decimal(18,2)) as billed_less_cost,
    cast(revised_budget - committed_cost as decimal(18,2)) as uncommitted_budget,
    coalesce(exceptions.open_exceptions, 0) as open_exceptions,
    coalesce(exceptions.blocking_exceptions, 0) as blocking_exceptions
from summary
left join exceptions on exceptions.job = summary.job
