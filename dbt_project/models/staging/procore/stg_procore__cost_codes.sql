-- Procore project cost codes (division / section / leaf). `full_code` is what the
-- translation reads; the biller says whether the code belongs to a sub job (Sage extra).
with source as (
    {{ typed_source('raw_procore', 'cost_codes', {
        'id': 'id', 'project_id': 'id', 'code': 'text', 'full_code': 'text', 'name': 'text',
        'parent__id': 'id', 'biller_type': 'text', 'biller_id': 'id', 'origin_id': 'text',
        'standard_cost_code_id': 'id', 'deleted_at': 'timestamp', 'created_at': 'timestamp',
        'updated_at': 'timestamp'
    }) }}
)

select
    id as cost_code_id,
    project_id,
    code,
    full_code,
    name as cost_code_name,
    parent__id as parent_cost_code_id,
    biller_type,
    biller_id,
    nullif(trim(origin_id), '') as origin_id,
    standard_cost_code_id,
    deleted_at,
    created_at,
    updated_at
from source
