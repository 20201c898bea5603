-- Procore budget views per project (the column layouts a budget is read through). Detail
-- rows are extracted once per view (stg_procore__budget_detail_rows.budget_view_id).
with source as (
    {{ typed_source('raw_procore', 'budget_views', {
        'id': 'id', 'project_id': 'id', 'name': 'text', 'description': 'text', 'role': 'text',
        'created_at': 'timestamp', 'updated_at': 'timestamp'
    }) }}
)

select
    id as budget_view_id,
    project_id,
    name as budget_view_name,
    description,
    role,
    created_at,
    updated_at
from source
