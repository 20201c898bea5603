-- Sage estimates (JCM_MASTER__CATEGORY, JC estimate import .jce record C) to bring in line
-- with Procore's budget: one row per Sage coding (job · extra · cost code · category) that
-- Procore budget lines translate to validly (outcome mapped) and whose Procore original
-- budget or approved budget modifications differ from Sage's Original_Estimate /
-- Approved_Estimate_Changes, or where Sage holds no estimate on the coding at all. Several
-- Procore budget lines on one coding add up. The row carries the target values (what Sage
-- must end up holding), what Sage holds now and the differences: an import that adds
-- brings original_estimate_change as original estimate and approved_estimate_change "as an
-- Approved Estimate Change" (the reference does not say whether an original-estimate import
-- replaces or adds; the Connector decides which pair it sends).
--
-- Held by (open blocking exceptions): unmapped / ambiguous cost code and invalid_sage_target
-- of its budget lines' codes; job_missing_in_sage; any blocking exception about one of its
-- budget lines (schema_drift, …); write_rejected of this version. budget_mismatch is a
-- warning: when Sage already holds a different estimate the row needs a controller's
-- approval (which system is right is a judgement), it is not held.
with budget as (
    {{ outbound_budget_codings() }}
),

mapped as (
    select * from budget where coding_outcome = 'mapped'
),

by_coding as (
    select
        job,
        sage_extra as extra,
        sage_cost_code as cost_code,
        sage_category as category,
        sage_key,
        min(project_id) as project_id,
        min(budget_row_id) as budget_row_id,
        count(*) as budget_lines,
        string_agg(cast(budget_row_id as varchar), ',' order by budget_row_id) as budget_row_ids,
        cast(sum(coalesce(original_budget_amount, 0)) as decimal(18,2)) as original_estimate,
        cast(sum(coalesce(budget_modifications, 0)) as decimal(18,2)) as approved_estimate_changes
    from mapped
    group by job, sage_extra, sage_cost_code, sage_category, sage_key
),

compared as (
    select
        by_coding.*,
        cast(coalesce(chart.original_estimate, 0) as decimal(18,2)) as sage_original_estimate,
        cast(coalesce(chart.approved_estimate_changes, 0) as decimal(18,2)) as sage_approved_estimate_changes,
        case
            when coalesce(chart.original_estimate, 0) = 0 and coalesce(chart.approved_estimate_changes, 0) = 0
                then 'no_estimate'
            else 'differs'
        end as estimate_status
    from by_coding
    inner join {{ ref('stg_sage__job_categories') }} as chart
        on chart.job = by_coding.job
        and chart.extra = by_coding.extra
        and chart.cost_code = by_coding.cost_code
        and chart.category = by_coding.category
    where by_coding.original_estimate <> coalesce(chart.original_estimate, 0)
        or by_coding.approved_estimate_changes <> coalesce(chart.approved_estimate_changes, 0)
),

keyed as (
    select
        {{ outbound_idempotency_key('jc_estimate', 'compared.budget_row_id', stable_key([
            'compared.sage_original_estimate', 'compared.sage_approved_estimate_changes']), [
            'compared.job', 'compared.extra', 'compared.cost_code', 'compared.category',
            'compared.original_estimate', 'compared.approved_estimate_changes', 'compared.budget_row_ids'
        ]) }} as idempotency_key,
        compared.*
    from compared
),

keyed_rows as (
    select keyed.idempotency_key, mapped.*
    from keyed
    inner join mapped on mapped.sage_key = keyed.sage_key
),

touches as (
    {{ outbound_touch('keyed_rows', 'keyed_rows.idempotency_key', ['unmapped_cost_code', 'ambiguous_cost_code'],
        'cost_code', 'keyed_rows.cost_code_id') }}
    union all
    {{ outbound_touch('keyed_rows', 'keyed_rows.idempotency_key', ['invalid_sage_target'], 'cost_code',
        'keyed_rows.cost_code_id', 'keyed_rows.sage_key') }}
    union all
    {{ outbound_touch('keyed_rows', 'keyed_rows.idempotency_key', ['job_missing_in_sage'], 'project',
        'keyed_rows.project_id') }}
    union all
    {{ outbound_touch('keyed_rows', 'keyed_rows.idempotency_key', ['*'], 'budget_line_item',
        'keyed_rows.budget_row_id', except_types=['write_rejected']) }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['write_rejected'], 'budget_line_item',
        'keyed.budget_row_id', idempotency_key='keyed.idempotency_key') }}
),

blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    keyed.idempotency_key,
    'budget_line_item' as source_object,
    keyed.budget_row_id as source_id,
    keyed.project_id,
    'JCM_MASTER__CATEGORY' as target_object,
    'C' as import_record,
    keyed.sage_key,
    keyed.job,
    keyed.extra,
    keyed.cost_code,
    keyed.category,
    keyed.original_estimate,
    keyed.approved_estimate_changes,
    cast(keyed.original_estimate + keyed.approved_estimate_changes as decimal(18,2)) as total_estimate,
    keyed.sage_original_estimate,
    keyed.sage_approved_estimate_changes,
    cast(keyed.original_estimate - keyed.sage_original_estimate as decimal(18,2)) as original_estimate_change,
    cast(keyed.approved_estimate_changes - keyed.sage_approved_estimate_changes as decimal(18,2))
        as approved_estimate_change,
    keyed.estimate_status,
    keyed.budget_lines,
    keyed.budget_row_ids,
    blockers.blocking_exception_ids,
    cast(null as varchar) as blocking_conditions,
    blockers.blocking_exception_ids is not null as is_blocked,
    nullif(rtrim(
        case when keyed.estimate_status = 'differs'
            then 'Sage already holds a different estimate (' || {{ money_text('keyed.sage_original_estimate') }}
                || ' + ' || {{ money_text('keyed.sage_approved_estimate_changes') }} || ' vs Procore '
                || {{ money_text('keyed.original_estimate') }} || ' + '
                || {{ money_text('keyed.approved_estimate_changes') }} || '): confirm Procore is right. '
            else '' end
        || case when keyed.budget_lines > 1
            then cast(keyed.budget_lines as varchar) || ' Procore budget lines add up on this coding. '
            else '' end
    ), '') as needs_approval_reason
from keyed
left join blockers on blockers.row_key = keyed.idempotency_key
