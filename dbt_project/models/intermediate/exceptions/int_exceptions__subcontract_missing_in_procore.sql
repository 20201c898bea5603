-- A Sage subcontract / PO on a job a Procore project resolves to, with no Procore twin.
select
    'subcontract_missing_in_procore' as exception_type,
    projects.project_id,
    pairs.job,
    pairs.commitment_kind as procore_object,
    cast(null as bigint) as procore_id,
    'JCM_MASTER__COMMITMENT' as sage_object,
    pairs.sage_commitment as sage_key,
    'commitment' as field,
    cast(null as varchar) as procore_value,
    pairs.sage_commitment as sage_value,
    'Sage commitment ' || pairs.sage_commitment || ' (' || sage.vendor || ', '
        || {{ money_text('sage.original_commitment') }} || ') on job ' || pairs.job
        || ' has no Procore commitment.' as message
from {{ ref('int_commitment_pairs') }} as pairs
inner join {{ ref('stg_sage__commitments') }} as sage on sage.commitment = pairs.sage_commitment
left join (
    select job, min(project_id) as project_id from {{ ref('int_projects') }} where job_exists group by job
) as projects on projects.job = pairs.job
where pairs.commitment_id is null
