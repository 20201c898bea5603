-- Sage job-to-date actual cost that has no source object in Procore, written back as
-- Procore direct costs of type `expense` (PATCH /rest/v1.0/projects/{id}/direct_costs/
-- sync): one direct cost per job · month · Sage cost type (PR cost = payroll, EQ cost =
-- equipment, JC cost = journal entries), one line per job·extra·cost code·category. AP
-- costs are left out on purpose: Procore already holds them (subcontractor invoices,
-- invoice direct costs) and the reconciliation compares them.
-- origin_id = sage_key = 'JC|job|YYYY-MM|cost type'. ERP-synced direct costs are locked in
-- Procore, so only complete months are written (before the month of the latest Sage
-- posting); a month already in Procore under its origin_id is not offered again, and one
-- whose Sage total has since changed is held (post the adjustment in Procore by hand).
--
-- Held by (open blocking exceptions): write_rejected of this version; unmapped_cost_code /
-- ambiguous_cost_code / invalid_sage_target about a line's coding. Held by conditions:
-- no_procore_project, no_procore_coding, ambiguous_procore_coding,
-- direct_cost_synced_with_other_amount.
with lines as (
    select * from {{ ref('int_procore_direct_cost_candidates') }}
),

headers as (
    select
        idempotency_key,
        max(origin_id) as origin_id,
        max(project_id) as project_id,
        max(job) as job,
        max(period) as period,
        max(cost_type) as cost_type,
        max(period_end) as period_end,
        sum(amount) as amount,
        count(*) as line_count,
        max(case when coding_outcome = 'no_procore_coding' then 1 else 0 end) = 1 as has_uncoded,
        max(case when coding_outcome = 'ambiguous_procore_coding' then 1 else 0 end) = 1 as has_ambiguous
    from lines
    group by idempotency_key
),

in_procore as (
    select origin_id, max(grand_total) as grand_total
    from {{ ref('stg_procore__direct_costs') }}
    where deleted_at is null and origin_id is not null
    group by origin_id
),

candidates as (
    select
        headers.*,
        in_procore.grand_total as procore_grand_total,
        {{ outbound_conditions([
            ['no_procore_project', 'headers.project_id is null'],
            ['no_procore_coding', 'headers.has_uncoded'],
            ['ambiguous_procore_coding', 'headers.has_ambiguous'],
            ['direct_cost_synced_with_other_amount', 'in_procore.origin_id is not null'],
        ]) }} as blocking_conditions
    from headers
    left join in_procore on in_procore.origin_id = headers.origin_id
    where in_procore.origin_id is null or in_procore.grand_total <> headers.amount
),

touches as (
    {{ outbound_touch('lines', 'lines.idempotency_key', ['unmapped_cost_code', 'ambiguous_cost_code', 'invalid_sage_target'],
        sage_key='lines.coding_key') }}
    union all
    {{ outbound_touch('candidates', 'candidates.idempotency_key', ['write_rejected'], sage_key='candidates.origin_id',
        idempotency_key='candidates.idempotency_key') }}
),

blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    candidates.idempotency_key,
    'sage_job_cost' as source_object,
    cast(null as bigint) as source_id,
    candidates.project_id,
    'procore_direct_cost' as target_object,
    candidates.origin_id as sage_key,
    candidates.origin_id,
    '{"job":"' || candidates.job || '","period":"' || candidates.period || '","cost_type":"'
        || candidates.cost_type || '"}' as origin_data,
    'expense' as direct_cost_type,
    'approved' as status,
    candidates.period_end as direct_cost_date,
    'Sage ' || candidates.cost_type || ' ' || candidates.period || ' (job ' || candidates.job || ')' as description,
    candidates.job,
    candidates.period,
    candidates.cost_type,
    cast(candidates.amount as decimal(18,2)) as amount,
    candidates.line_count,
    candidates.procore_grand_total,
    blockers.blocking_exception_ids,
    candidates.blocking_conditions,
    blockers.blocking_exception_ids is not null or candidates.blocking_conditions is not null as is_blocked,
    cast(null as varchar) as needs_approval_reason
from candidates
left join blockers on blockers.row_key = candidates.idempotency_key
