-- An open Sage job (status not Closed) that no Procore project resolves to.
-- Closed jobs are history and never an exception.
select
    'project_missing_in_procore' as exception_type,
    cast(null as bigint) as project_id,
    jobs.job,
    'project' as procore_object,
    cast(null as bigint) as procore_id,
    'JCM_MASTER__JOB' as sage_object,
    jobs.job as sage_key,
    'job' as field,
    cast(null as varchar) as procore_value,
    jobs.job as sage_value,
    'Sage job ' || jobs.job || ' (' || coalesce(jobs.description, '') || ', ' || jobs.status
        || ') has no Procore project: link a project (origin_id) or close the job.' as message
from {{ ref('stg_sage__jobs') }} as jobs
where jobs.status <> 'Closed'
    and jobs.job not in (select job from {{ ref('int_projects') }} where job_exists)
