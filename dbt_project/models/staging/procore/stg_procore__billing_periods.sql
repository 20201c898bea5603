-- Procore billing periods per project (monthly; Procore only, no Sage twin). Requisitions
-- and payment applications name their period.
with source as (
    {{ typed_source('raw_procore', 'billing_periods', {
        'id': 'id', 'project_id': 'id', 'position': 'int', 'start_date': 'date',
        'end_date': 'date', 'due_date': 'date', 'status': 'text',
        'created_at': 'timestamp', 'updated_at': 'timestamp'
    }) }}
)

select
    id as billing_period_id,
    project_id,
    position,
    start_date,
    end_date,
    due_date,
    lower(status) as status,
    created_at,
    updated_at
from source
