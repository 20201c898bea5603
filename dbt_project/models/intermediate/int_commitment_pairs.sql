-- Procore commitments ↔ Sage commitments (subcontracts / POs). Linkage, first that applies:
--   1. the stored ERP link: Procore origin_id = Sage Commitment;
--   2. the same job and Procore number = Sage Commitment.
-- One row per live Procore commitment on a linked job and/or per Sage commitment on a
-- linked job; either side may be missing. Deleted Procore commitments are ignored.
with procore as (
    select * from {{ ref('int_procore__commitments') }}
    where is_live and job_exists
),

sage as (
    select * from {{ ref('stg_sage__commitments') }}
),

linked_jobs as (
    select distinct job from {{ ref('int_projects') }} where job_exists
),

matched as (
    select
        procore.commitment_id,
        coalesce(by_origin.commitment, by_number.commitment) as sage_commitment,
        case
            when by_origin.commitment is not null then 'origin_id'
            when by_number.commitment is not null then 'job + number'
        end as link_rule
    from procore
    left join sage as by_origin on by_origin.commitment = procore.origin_id
    left join sage as by_number
        on by_number.commitment = procore.commitment_number and by_number.job = procore.job
),

procore_side as (
    select
        procore.commitment_id,
        procore.commitment_kind,
        procore.project_id,
        procore.job,
        matched.sage_commitment,
        matched.link_rule
    from procore
    inner join matched on matched.commitment_id = procore.commitment_id
),

sage_only as (
    select
        cast(null as bigint) as commitment_id,
        case when sage.commitment_type = 'Purchase order' then 'purchase_order' else 'subcontract' end
            as commitment_kind,
        cast(null as bigint) as project_id,
        sage.job,
        sage.commitment as sage_commitment,
        cast(null as varchar) as link_rule
    from sage
    inner join linked_jobs on linked_jobs.job = sage.job
    where sage.commitment not in (
        select sage_commitment from procore_side where sage_commitment is not null
    )
)

select * from procore_side
union all
select * from sage_only
