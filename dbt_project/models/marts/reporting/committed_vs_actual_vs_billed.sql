-- Committed vs actual vs billed per job · extra · cost code · category (the Sage estimate
-- line), for BI. Every JCM_MASTER__CATEGORY row, plus one row per Procore cost code · line
-- item type that carries budget or commitments but has no valid Sage coding
-- (mapping_outcome unmapped / ambiguous / invalid_sage_target / job_missing_in_sage), so no
-- Procore money silently drops out of a total. Money is 0 where that side has nothing.
--
--   budget             Sage Total_Estimate (procore_revised_budget: Procore lines mapped here)
--   committed          Sage Revised_Commitment = commitment items + CO items on the coding
--                      (procore_committed: lines of live Approved/Complete commitments + lines
--                      of their approved commitment change orders, translated onto the coding)
--   actual_cost        Sage JTD_Cost (Σ JC transactions on the coding)
--   billed             Sage Commitment_Invoiced: what subcontractors / suppliers have invoiced
--                      against commitments on the coding (owner billing is per job, not per
--                      cost code: see job_cost_summary)
--   budget_remaining   budget − actual_cost
--   uncommitted_budget budget − committed
--   open_commitment    committed − billed
--   committed_difference procore_committed − committed (0 on clean, mapped codings)
with translation as (
    select * from {{ ref('int_cost_code_translation') }}
),

live_commitments as (
    select commitment_id
    from {{ ref('int_procore__commitments') }}
    where is_live and lower(status) in ('approved', 'complete')
),

budget_lines as (
    select
        project_id, job, cost_code_id, full_code, line_item_type_code, mapping_outcome, sage_key,
        sage_extra, sage_cost_code, sage_category,
        revised_budget as budget_amount,
        cast(0 as decimal(18,2)) as committed_amount
    from {{ ref('wip_budget_lines') }}
),

commitment_lines as (
    select
        lines.project_id, projects.job, lines.cost_code_id, lines.full_code, lines.line_item_type_code,
        case
            when projects.job_exists is not true then 'job_missing_in_sage'
            else coalesce(translation.outcome, 'unmapped')
        end as mapping_outcome,
        case when translation.outcome = 'mapped' then translation.sage_key end as sage_key,
        translation.sage_extra, translation.sage_cost_code, translation.sage_category,
        cast(0 as decimal(18,2)) as budget_amount,
        lines.amount as committed_amount
    from {{ ref('int_procore__commitment_lines') }} as lines
    inner join live_commitments on live_commitments.commitment_id = lines.commitment_id
    left join {{ ref('int_projects') }} as projects on projects.project_id = lines.project_id
    left join translation
        on translation.project_id = lines.project_id
        and translation.cost_code_id = lines.cost_code_id
        and translation.line_item_type_code = lines.line_item_type_code
),

change_order_lines as (
    -- a CCO line is coded by the budget line with the same wbs_code_id
    select
        co_lines.project_id, budget.job, budget.cost_code_id, budget.full_code,
        budget.line_item_type_code,
        coalesce(budget.mapping_outcome, 'unmapped') as mapping_outcome,
        budget.sage_key, budget.sage_extra, budget.sage_cost_code, budget.sage_category,
        cast(0 as decimal(18,2)) as budget_amount,
        co_lines.amount as committed_amount
    from {{ ref('stg_procore__commitment_change_order_line_items') }} as co_lines
    inner join {{ ref('stg_procore__commitment_change_orders') }} as change_orders
        on change_orders.change_order_id = co_lines.change_order_id
    inner join live_commitments on live_commitments.commitment_id = change_orders.commitment_id
    left join {{ ref('wip_budget_lines') }} as budget
        on budget.project_id = co_lines.project_id and budget.wbs_code_id = co_lines.wbs_code_id
    where change_orders.status = 'approved'
),

procore_lines as (
    select * from budget_lines
    union all
    select * from commitment_lines
    union all
    select * from change_order_lines
),

procore_mapped as (
    select
        sage_key,
        cast(sum(budget_amount) as decimal(18,2)) as procore_revised_budget,
        cast(sum(committed_amount) as decimal(18,2)) as procore_committed
    from procore_lines
    where mapping_outcome = 'mapped'
    group by sage_key
),

procore_codes as (
    select distinct job, sage_extra, sage_cost_code, full_code
    from translation
    where outcome = 'mapped'
),

procore_code_lists as (
    select job, sage_extra, sage_cost_code, string_agg(full_code, ', ' order by full_code) as procore_full_codes
    from procore_codes
    group by job, sage_extra, sage_cost_code
),

projects as (
    select job, min(project_id) as project_id, min(project_name) as project_name
    from {{ ref('int_projects') }}
    where job is not null
    group by job
),

sage_rows as (
    select
        chart.job || '|' || chart.extra || '|' || chart.cost_code || '|' || chart.category as coding_key,
        chart.job,
        chart.extra,
        chart.cost_code,
        chart.category,
        projects.project_id,
        projects.project_name,
        chart.description,
        case
            when procore_mapped.sage_key is not null then 'mapped'
            else 'sage_only'
        end as mapping_outcome,
        procore_code_lists.procore_full_codes,
        cast(coalesce(chart.total_estimate, 0) as decimal(18,2)) as budget,
        cast(coalesce(procore_mapped.procore_revised_budget, 0) as decimal(18,2)) as procore_revised_budget,
        cast(coalesce(chart.revised_commitment, 0) as decimal(18,2)) as committed,
        cast(coalesce(procore_mapped.procore_committed, 0) as decimal(18,2)) as procore_committed,
        cast(coalesce(chart.jtd_cost, 0) as decimal(18,2)) as actual_cost,
        cast(coalesce(chart.commitment_invoiced, 0) as decimal(18,2)) as billed
    from {{ ref('stg_sage__job_categories') }} as chart
    left join procore_mapped
        on procore_mapped.sage_key = chart.job || '|' || chart.extra || '|' || chart.cost_code || '|' || chart.category
    left join procore_code_lists
        on procore_code_lists.job = chart.job
        and procore_code_lists.sage_extra = chart.extra
        and procore_code_lists.sage_cost_code = chart.cost_code
    left join projects on projects.job = chart.job
),

unplaced_rows as (
    select
        'procore|' || cast(procore_lines.project_id as varchar) || '|'
            || coalesce(cast(procore_lines.cost_code_id as varchar), '') || '|'
            || coalesce(procore_lines.line_item_type_code, '') as coding_key,
        procore_lines.job,
        cast(null as varchar) as extra,
        cast(null as varchar) as cost_code,
        cast(null as varchar) as category,
        procore_lines.project_id,
        min(projects.project_name) as project_name,
        cast(null as varchar) as description,
        min(procore_lines.mapping_outcome) as mapping_outcome,
        min(procore_lines.full_code) as procore_full_codes,
        cast(0 as decimal(18,2)) as budget,
        cast(sum(procore_lines.budget_amount) as decimal(18,2)) as procore_revised_budget,
        cast(0 as decimal(18,2)) as committed,
        cast(sum(procore_lines.committed_amount) as decimal(18,2)) as procore_committed,
        cast(0 as decimal(18,2)) as actual_cost,
        cast(0 as decimal(18,2)) as billed
    from procore_lines
    left join projects on projects.job = procore_lines.job
    where procore_lines.mapping_outcome <> 'mapped'
    group by procore_lines.project_id, procore_lines.job, procore_lines.cost_code_id,
        procore_lines.line_item_type_code
),

all_rows as (
    select * from sage_rows
    union all
    select * from unplaced_rows
)

select
    all_rows.*,
    cast(budget - actual_cost as decimal(18,2)) as budget_remaining,
    cast(budget - committed as decimal(18,2)) as uncommitted_budget,
    cast(committed - billed as decimal(18,2)) as open_commitment,
    cast(procore_committed - committed as decimal(18,2)) as committed_difference
from all_rows
