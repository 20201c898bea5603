-- Sage non-AP job cost of complete months, one row per direct cost line to write to
-- Procore: job · month · cost type (header, keyed by idempotency_key) × job·extra·cost
-- code·category (line), with the Procore project, cost code and cost type it maps to
-- (jobs with a Procore project only; reverse of int_cost_code_translation: exactly one mapped Procore coding, else the
-- line's coding_outcome says why not). Shared by outbound_procore_direct_costs and its
-- lines so both carry the same keys.
with transactions as (
    select
        job,
        coalesce(extra, '') as extra,
        cost_code,
        category,
        transaction_type as cost_type,
        coalesce(accounting_date, transaction_date) as posted_on,
        amount
    from {{ ref('stg_sage__job_cost_transactions') }}
    where transaction_type in ('PR cost', 'EQ cost', 'JC cost')
        and commitment is null
),

open_month as (
    select cast(date_trunc('month', max(posted_on)) as date) as month_start from transactions
),

by_line as (
    select
        transactions.job,
        transactions.extra,
        transactions.cost_code,
        transactions.category,
        transactions.cost_type,
        cast(date_trunc('month', transactions.posted_on) as date) as period_start,
        sum(transactions.amount) as amount
    from transactions
    cross join open_month
    where transactions.posted_on < open_month.month_start
    group by 1, 2, 3, 4, 5, 6
    having sum(transactions.amount) <> 0
),

projects as (
    select job, min(project_id) as project_id, count(*) as projects
    from {{ ref('int_projects') }}
    where job_exists
    group by job
),

codings as (
    select
        translation.job,
        coalesce(translation.sage_extra, '') as extra,
        translation.sage_cost_code as cost_code,
        translation.sage_category as category,
        count(*) as codings,
        min(translation.cost_code_id) as cost_code_id,
        min(types.line_item_type_id) as line_item_type_id
    from {{ ref('int_cost_code_translation') }} as translation
    left join {{ ref('stg_procore__line_item_types') }} as types
        on types.line_item_type_code = translation.line_item_type_code
    where translation.outcome = 'mapped'
    group by 1, 2, 3, 4
),

keyed as (
    select
        by_line.*,
        by_line.job || '|' || by_line.extra || '|' || by_line.cost_code || '|' || by_line.category as coding_key,
        cast(extract(year from by_line.period_start) as varchar) || '-'
            || lpad(cast(extract(month from by_line.period_start) as varchar), 2, '0') as period,
        cast(by_line.period_start + interval '1 month' - interval '1 day' as date) as period_end,
        case when projects.projects = 1 then projects.project_id end as project_id,
        case when codings.codings = 1 and codings.line_item_type_id is not null then codings.cost_code_id end as cost_code_id,
        case when codings.codings = 1 then codings.line_item_type_id end as line_item_type_id,
        case
            when codings.codings is null or codings.line_item_type_id is null then 'no_procore_coding'
            when codings.codings > 1 then 'ambiguous_procore_coding'
            else 'mapped'
        end as coding_outcome
    from by_line
    inner join projects on projects.job = by_line.job  -- Sage-only jobs have no Procore home
    left join codings
        on codings.job = by_line.job
        and codings.extra = by_line.extra
        and codings.cost_code = by_line.cost_code
        and codings.category = by_line.category
),

with_origin as (
    select
        keyed.*,
        'JC|' || keyed.job || '|' || keyed.period || '|' || keyed.cost_type as origin_id
    from keyed
),

header_keys as (
    select
        origin_id,
        {{ outbound_idempotency_key('procore_direct_cost', 'origin_id', "'1'", [
            "string_agg(coding_key || '=' || cast(amount as varchar) || '@' || coalesce(cast(cost_code_id as varchar), '') || '/' || coalesce(cast(line_item_type_id as varchar), ''), ',' order by coding_key)",
            'max(project_id)'
        ]) }} as idempotency_key
    from with_origin
    group by origin_id
)

select
    header_keys.idempotency_key,
    row_number() over (partition by with_origin.origin_id order by with_origin.coding_key) as line_number,
    with_origin.origin_id,
    with_origin.project_id,
    with_origin.job,
    with_origin.extra,
    with_origin.cost_code,
    with_origin.category,
    with_origin.coding_key,
    with_origin.cost_type,
    with_origin.period,
    with_origin.period_end,
    with_origin.cost_code_id,
    with_origin.line_item_type_id,
    with_origin.coding_outcome,
    with_origin.cost_code || ' ' || with_origin.category || case when with_origin.extra <> '' then ' (' || with_origin.extra || ')' else '' end as description,
    cast(with_origin.amount as decimal(18,2)) as amount
from with_origin
inner join header_keys on header_keys.origin_id = with_origin.origin_id
