-- What Sage's WIP schedule needs from Procore and the warehouse, per job. WIP itself
-- (earned revenue, over/under billing) is computed in Sage by finance; this model only
-- supplies its inputs and, beside each, Sage's own figure for the tie-out.
-- One row per job: every Sage job and every job a Procore project resolves to.
--
--   committed cost       Procore: Σ revised_contract of live commitments (work order +
--                        purchase order) in status Approved / Complete.
--                        Sage: job Original_Commitment + Approved_Commitment_Changes.
--   cost to date         Sage: Σ JCT_CURRENT__TRANSACTION.Amount of cost postings
--                        (Transaction_Type '… cost'); the job's JTD_Cost roll-up beside it.
--   billed to date       owner billing. Procore: Σ over live prime contracts of the latest
--                        approved payment application's completed_and_stored_to_date.
--                        Sage: job JTD_Work_Billed. Retainage receivable likewise
--                        (retainage_to_date vs JTD_Retainage_Held).
--   contract amount      Procore: Σ live Approved / Complete prime contracts' grand_total +
--                        approved_change_orders. Sage: job Revised_Contract_Amount.
--   percent complete     per Procore billing = 100 × billed to date / contract sum to date
--                        of those payment applications (Procore's own percent_complete for
--                        a single contract), 2 decimals.
--   budget at completion Σ revised_budget of the job's Procore budget lines (wip_budget_lines).
--   forecast to complete Procore's budget forecast (Σ forecast_to_complete) when every budget
--                        line of the job has one; else greatest(budget at completion − cost
--                        to date, 0). NULL for jobs without a Procore project.
--   estimated cost at completion = cost to date + forecast to complete.
with projects as (
    select
        job,
        min(project_id) as project_id,
        min(project_name) as project_name,
        count(*) as procore_projects
    from {{ ref('int_projects') }}
    where job is not null
    group by job
),

sage_jobs as (
    select * from {{ ref('stg_sage__jobs') }}
),

all_jobs as (
    select job from sage_jobs
    union
    select job from projects
),

budget as (
    select
        job,
        count(*) as budget_lines,
        count(procore_forecast_to_complete) as forecast_lines,
        cast(sum(original_budget_amount) as decimal(18,2)) as original_budget,
        cast(sum(revised_budget) as decimal(18,2)) as revised_budget,
        cast(sum(procore_forecast_to_complete) as decimal(18,2)) as forecast_sum
    from {{ ref('wip_budget_lines') }}
    where job is not null
    group by job
),

commitments as (
    select
        job,
        count(*) as commitments,
        cast(sum(revised_contract) as decimal(18,2)) as committed_cost
    from {{ ref('int_procore__commitments') }}
    where is_live and lower(status) in ('approved', 'complete') and job is not null
    group by job
),

prime_contracts as (
    select contracts.*, projects.job
    from {{ ref('stg_procore__prime_contracts') }} as contracts
    inner join {{ ref('int_projects') }} as projects on projects.project_id = contracts.project_id
    where contracts.deleted_at is null and lower(contracts.status) in ('approved', 'complete')
),

latest_applications as (
    select *
    from (
        select
            applications.*,
            row_number() over (
                partition by applications.prime_contract_id
                order by applications.payment_application_number desc
            ) as pick
        from {{ ref('stg_procore__payment_applications') }} as applications
        where applications.status in ('approved', 'approved_as_noted')
    ) as ranked
    where pick = 1
),

owner_side as (
    select
        prime_contracts.job,
        count(*) as prime_contracts,
        cast(sum(prime_contracts.grand_total + coalesce(prime_contracts.approved_change_orders, 0))
            as decimal(18,2)) as contract_amount,
        cast(sum(coalesce(latest_applications.completed_and_stored_to_date, 0)) as decimal(18,2))
            as billed_to_date,
        cast(sum(coalesce(latest_applications.retainage_to_date, 0)) as decimal(18,2))
            as retainage_receivable,
        cast(sum(latest_applications.contract_sum_to_date) as decimal(18,2)) as billed_contract_sum,
        max(latest_applications.period_end) as last_billed_period_end
    from prime_contracts
    left join latest_applications
        on latest_applications.prime_contract_id = prime_contracts.prime_contract_id
    group by prime_contracts.job
),

sage_cost as (
    select job, cast(sum(amount) as decimal(18,2)) as cost_to_date
    from {{ ref('stg_sage__job_cost_transactions') }}
    where lower(transaction_type) like '% cost'
    group by job
),

sage_cost_codes as (
    select
        job,
        cast(sum(jtd_cost) as decimal(18,2)) as jtd_cost,
        cast(sum(total_estimate) as decimal(18,2)) as total_estimate,
        cast(sum(revised_commitment) as decimal(18,2)) as revised_commitment,
        cast(sum(cost_at_comp) as decimal(18,2)) as cost_at_comp
    from {{ ref('stg_sage__job_cost_codes') }}
    group by job
),

combined as (
    select
        all_jobs.job,
        projects.project_id,
        projects.project_name,
        coalesce(projects.procore_projects, 0) as procore_projects,
        sage_jobs.job is not null as job_exists_in_sage,
        sage_jobs.description as job_description,
        sage_jobs.status as job_status,
        -- committed cost
        cast(coalesce(commitments.committed_cost, 0) as decimal(18,2)) as procore_committed_cost,
        cast(sage_jobs.original_commitment + sage_jobs.approved_commitment_changes as decimal(18,2))
            as sage_committed_cost,
        sage_cost_codes.revised_commitment as sage_cost_codes_committed_cost,
        -- cost to date
        cast(case when sage_jobs.job is not null then coalesce(sage_cost.cost_to_date, 0) end as decimal(18,2))
            as cost_to_date,
        sage_jobs.jtd_cost as sage_jtd_cost,
        sage_cost_codes.jtd_cost as sage_cost_codes_jtd_cost,
        -- owner contract and billing
        coalesce(owner_side.prime_contracts, 0) as prime_contracts,
        owner_side.contract_amount as procore_contract_amount,
        sage_jobs.revised_contract_amount as sage_contract_amount,
        owner_side.billed_to_date as procore_billed_to_date,
        sage_jobs.jtd_work_billed as sage_billed_to_date,
        owner_side.retainage_receivable as procore_retainage_receivable,
        sage_jobs.jtd_retainage_held as sage_retainage_held,
        owner_side.last_billed_period_end,
        cast(round(case when owner_side.billed_contract_sum <> 0
            then 100 * owner_side.billed_to_date / owner_side.billed_contract_sum end, 2)
            as decimal(9,4)) as procore_billing_percent_complete,
        -- budget and forecast
        coalesce(budget.budget_lines, 0) as budget_lines,
        budget.original_budget,
        budget.revised_budget as budget_at_completion,
        cast(case when budget.budget_lines > 0 and budget.forecast_lines = budget.budget_lines
            then budget.forecast_sum end as decimal(18,2)) as procore_forecast_to_complete,
        -- Sage's own WIP outputs, for reference
        sage_jobs.total_estimate as sage_total_estimate,
        sage_cost_codes.total_estimate as sage_cost_codes_total_estimate,
        sage_jobs.cost_at_comp as sage_cost_at_comp,
        sage_cost_codes.cost_at_comp as sage_cost_codes_cost_at_comp,
        sage_jobs.cost_to_comp as sage_cost_to_comp,
        sage_jobs.percent_complete as sage_percent_complete
    from all_jobs
    left join projects on projects.job = all_jobs.job
    left join sage_jobs on sage_jobs.job = all_jobs.job
    left join budget on budget.job = all_jobs.job
    left join commitments on commitments.job = all_jobs.job
    left join owner_side on owner_side.job = all_jobs.job
    left join sage_cost on sage_cost.job = all_jobs.job
    left join sage_cost_codes on sage_cost_codes.job = all_jobs.job
),

forecast as (
    select
        combined.*,
        cast(case
            when project_id is null then null
            when procore_forecast_to_complete is not null then procore_forecast_to_complete
            else greatest(coalesce(budget_at_completion, 0) - coalesce(cost_to_date, 0), 0)
        end as decimal(18,2)) as forecast_to_complete,
        case
            when project_id is null then null
            when procore_forecast_to_complete is not null then 'procore forecast'
            else 'revised budget less cost to date'
        end as forecast_basis
    from combined
)

select
    forecast.*,
    cast(coalesce(cost_to_date, 0) + forecast_to_complete as decimal(18,2))
        as estimated_cost_at_completion
from forecast
