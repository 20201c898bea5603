-- A Procore project whose resolved job does not exist in Sage.
select
    'job_missing_in_sage' as exception_type,
    project_id,
    job,
    'project' as procore_object,
    project_id as procore_id,
    'JCM_MASTER__JOB' as sage_object,
    cast(null as varchar) as sage_key,
    'job' as field,
    project_number as procore_value,
    cast(null as varchar) as sage_value,
    'Procore project ' || project_number || ' (' || project_name || ') resolves (' || job_rule
        || ') to job ' || job || ', which is not in Sage: create the job or fix the link.'
        as message
from {{ ref('int_projects') }}
where not job_exists
