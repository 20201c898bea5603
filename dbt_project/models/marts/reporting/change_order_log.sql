-- Change order log, both systems, for BI: one row per change order — commitment change
-- orders (Procore CCOs ↔ Sage JCM_MASTER__COMMITMENT_CO by Sage commitment + number) and prime
-- contract change orders (Procore PCCOs ↔ Sage CNC_ACTIVE__CHANGE_ORDER by job + number) —
-- in any status, with the open exceptions that name it.
--
-- recon_status:
--   match                   approved in Procore, in Sage with the same amount
--   amount_mismatch         approved in Procore, in Sage with another amount
--   missing_in_sage         approved in Procore, not in Sage
--   parent_not_in_sage      approved in Procore, but its commitment / job has no Sage twin
--   not_expected_in_sage    pending, draft, void … in Procore and (rightly) not in Sage
--   in_sage_not_approved    not approved in Procore, yet in Sage
--   missing_in_procore      in Sage only
-- amount_difference = procore_amount − sage_amount (both present).
with commitments as (
    select * from {{ ref('int_procore__commitments') }}
),

pairs as (
    select commitment_id, sage_commitment from {{ ref('int_commitment_pairs') }}
    where commitment_id is not null
),

sage_commitments as (
    select * from {{ ref('stg_sage__commitments') }}
),

sage_ccos as (
    select change_orders.*, sage_commitments.job
    from {{ ref('stg_sage__commitment_change_orders') }} as change_orders
    left join sage_commitments on sage_commitments.commitment = change_orders.commitment
),

procore_ccos as (
    select
        'commitment' as change_order_kind,
        change_orders.change_order_id as procore_change_order_id,
        change_orders.project_id,
        commitments.job,
        change_orders.change_order_number,
        change_orders.title,
        change_orders.status as procore_status,
        change_orders.grand_total as procore_amount,
        change_orders.created_at as procore_created_at,
        change_orders.reviewed_at as procore_approved_at,
        change_orders.commitment_id as procore_parent_id,
        commitments.commitment_number as procore_parent_number,
        pairs.sage_commitment as sage_parent,
        sage_ccos.commitment_co as sage_change_order,
        sage_ccos.status as sage_status,
        sage_ccos.amount as sage_amount,
        sage_ccos.date as sage_date
    from {{ ref('stg_procore__commitment_change_orders') }} as change_orders
    left join commitments on commitments.commitment_id = change_orders.commitment_id
    left join pairs on pairs.commitment_id = change_orders.commitment_id
    left join sage_ccos
        on sage_ccos.commitment = pairs.sage_commitment
        and sage_ccos.commitment_co = change_orders.change_order_number
),

sage_only_ccos as (
    select
        'commitment' as change_order_kind,
        cast(null as bigint) as procore_change_order_id,
        cast(null as bigint) as project_id,
        sage_ccos.job,
        sage_ccos.commitment_co as change_order_number,
        sage_ccos.description as title,
        cast(null as varchar) as procore_status,
        cast(null as decimal(18,2)) as procore_amount,
        cast(null as timestamp with time zone) as procore_created_at,
        cast(null as timestamp with time zone) as procore_approved_at,
        cast(null as bigint) as procore_parent_id,
        cast(null as varchar) as procore_parent_number,
        sage_ccos.commitment as sage_parent,
        sage_ccos.commitment_co as sage_change_order,
        sage_ccos.status as sage_status,
        sage_ccos.amount as sage_amount,
        sage_ccos.date as sage_date
    from sage_ccos
    where not exists (
        select 1 from procore_ccos
        where procore_ccos.sage_parent = sage_ccos.commitment
            and procore_ccos.sage_change_order = sage_ccos.commitment_co
    )
),

prime_contracts as (
    select contracts.prime_contract_id, contracts.contract_number, projects.job, projects.job_exists
    from {{ ref('stg_procore__prime_contracts') }} as contracts
    left join {{ ref('int_projects') }} as projects on projects.project_id = contracts.project_id
),

sage_pcos as (
    select * from {{ ref('stg_sage__contract_change_orders') }}
),

procore_pcos as (
    select
        'prime' as change_order_kind,
        change_orders.change_order_id as procore_change_order_id,
        change_orders.project_id,
        prime_contracts.job,
        change_orders.change_order_number,
        change_orders.title,
        change_orders.status as procore_status,
        change_orders.grand_total as procore_amount,
        change_orders.created_at as procore_created_at,
        change_orders.reviewed_at as procore_approved_at,
        change_orders.prime_contract_id as procore_parent_id,
        prime_contracts.contract_number as procore_parent_number,
        case when prime_contracts.job_exists then prime_contracts.job end as sage_parent,
        sage_pcos.change_order as sage_change_order,
        sage_pcos.status as sage_status,
        sage_pcos.amount as sage_amount,
        sage_pcos.date as sage_date
    from {{ ref('stg_procore__prime_change_orders') }} as change_orders
    left join prime_contracts on prime_contracts.prime_contract_id = change_orders.prime_contract_id
    left join sage_pcos
        on prime_contracts.job_exists
        and sage_pcos.job = prime_contracts.job
        and sage_pcos.change_order = change_orders.change_order_number
),

sage_only_pcos as (
    select
        'prime' as change_order_kind,
        cast(null as bigint) as procore_change_order_id,
        cast(null as bigint) as project_id,
        sage_pcos.job,
        sage_pcos.change_order as change_order_number,
        sage_pcos.description as title,
        cast(null as varchar) as procore_status,
        cast(null as decimal(18,2)) as procore_amount,
        cast(null as timestamp with time zone) as procore_created_at,
        cast(null as timestamp with time zone) as procore_approved_at,
        cast(null as bigint) as procore_parent_id,
        cast(null as varchar) as procore_parent_number,
        sage_pcos.job as sage_parent,
        sage_pcos.change_order as sage_change_order,
        sage_pcos.status as sage_status,
        sage_pcos.amount as sage_amount,
        sage_pcos.date as sage_date
    from sage_pcos
    where not exists (
        select 1 from procore_pcos
        where procore_pcos.sage_parent = sage_pcos.job
            and procore_pcos.sage_change_order = sage_pcos.change_order
    )
),

log as (
    select * from procore_ccos
    union all
    select * from sage_only_ccos
    union all
    select * from procore_pcos
    union all
    select * from sage_only_pcos
),

keyed as (
    select
        change_order_kind || ':' || coalesce(
            cast(procore_change_order_id as varchar), 'sage:' || sage_parent || '|' || sage_change_order
        ) as change_order_key,
        log.*,
        case when change_order_kind = 'commitment' then 'commitment_change_order'
            else 'prime_change_order' end as procore_object,
        case when change_order_kind = 'commitment' then 'JCM_MASTER__COMMITMENT_CO'
            else 'CNC_ACTIVE__CHANGE_ORDER' end as sage_object,
        case when sage_change_order is not null then sage_parent || '|' || sage_change_order end as sage_key
    from log
),

linked as (
    select distinct keyed.change_order_key, queue.exception_id, queue.exception_type, queue.severity
    from keyed
    inner join {{ ref('exception_queue') }} as queue
        on queue.status = 'open'
        and (
            (queue.procore_object = keyed.procore_object and queue.procore_id = keyed.procore_change_order_id)
            or (queue.sage_object = keyed.sage_object and queue.sage_key = keyed.sage_key)
        )
),

linked_types as (
    select change_order_key, string_agg(exception_type, ', ' order by exception_type) as exception_types
    from (select distinct change_order_key, exception_type from linked) as types
    group by change_order_key
),

linked_exceptions as (
    select
        linked.change_order_key,
        count(*) as open_exceptions,
        sum(case when linked.severity = 'blocking' then 1 else 0 end) as blocking_exceptions,
        min(linked_types.exception_types) as exception_types
    from linked
    inner join linked_types on linked_types.change_order_key = linked.change_order_key
    group by linked.change_order_key
)

select
    keyed.change_order_key,
    keyed.change_order_kind,
    keyed.project_id,
    keyed.job,
    keyed.change_order_number,
    keyed.title,
    keyed.procore_change_order_id,
    keyed.procore_parent_id,
    keyed.procore_parent_number,
    keyed.procore_status,
    keyed.procore_amount,
    keyed.procore_created_at,
    keyed.procore_approved_at,
    keyed.sage_parent,
    keyed.sage_change_order,
    keyed.sage_key,
    keyed.sage_status,
    keyed.sage_amount,
    keyed.sage_date,
    cast(keyed.procore_amount - keyed.sage_amount as decimal(18,2)) as amount_difference,
    case
        when keyed.procore_change_order_id is null then 'missing_in_procore'
        when keyed.procore_status = 'approved' and keyed.sage_parent is null then 'parent_not_in_sage'
        when keyed.procore_status = 'approved' and keyed.sage_change_order is null then 'missing_in_sage'
        when keyed.procore_status = 'approved'
            and abs(keyed.procore_amount - keyed.sage_amount) > {{ var('money_tolerance') }} then 'amount_mismatch'
        when keyed.procore_status = 'approved' then 'match'
        when keyed.sage_change_order is not null then 'in_sage_not_approved'
        else 'not_expected_in_sage'
    end as recon_status,
    coalesce(linked_exceptions.open_exceptions, 0) as open_exceptions,
    coalesce(linked_exceptions.blocking_exceptions, 0) as blocking_exceptions,
    linked_exceptions.exception_types
from keyed
left join linked_exceptions on linked_exceptions.change_order_key = keyed.change_order_key
