-- Procore sub jobs. A sub job's `code` is the Sage extra on the project's job.
with source as (
    {{ typed_source('raw_procore', 'sub_jobs', {
        'id': 'id', 'project_id': 'id', 'code': 'text', 'name': 'text', 'origin_id': 'text',
        'updated_at': 'timestamp'
    }) }}
)

select
    id as sub_job_id,
    project_id,
    trim(code) as sub_job_code,
    name as sub_job_name,
    nullif(trim(origin_id), '') as origin_id,
    updated_at
from source
