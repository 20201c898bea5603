-- Procore projects (company-wide list). One row per project.
with source as (
    {{ typed_source('raw_procore', 'projects', {
        'id': 'id', 'company_id': 'id', 'project_number': 'text', 'name': 'text',
        'display_name': 'text', 'origin_id': 'text', 'origin_data': 'text', 'active': 'bool',
        'start_date': 'date', 'completion_date': 'date', 'total_value': 'money',
        'created_at': 'timestamp', 'updated_at': 'timestamp'
    }) }}
)

select
    id as project_id,
    company_id,
    trim(project_number) as project_number,
    name as project_name,
    display_name,
    nullif(trim(origin_id), '') as origin_id,
    origin_data,
    coalesce(active, true) as is_active,
    start_date,
    completion_date,
    total_value,
    created_at,
    updated_at
from source
