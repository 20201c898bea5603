-- Procore change events (the start of a change: owner request, design change …).
-- Informational: Procore only, no Sage twin. Soft-deleted ones keep `deleted_at`.
with source as (
    {{ typed_source('raw_procore', 'change_events', {
        'id': 'id', 'project_id': 'id', 'number': 'int', 'alphanumeric_number': 'text',
        'title': 'text', 'description': 'text', 'status': 'text',
        'change_event_status__name': 'text', 'event_type': 'text', 'event_scope': 'text',
        'change_order_change_reason__change_reason': 'text',
        'change_event_origin_type': 'text', 'change_event_origin_id': 'id',
        'origin_id': 'text', 'deleted_at': 'timestamp', 'created_at': 'timestamp',
        'updated_at': 'timestamp'
    }) }}
)

select
    id as change_event_id,
    project_id,
    number as change_event_number,
    trim(alphanumeric_number) as alphanumeric_number,
    title,
    description,
    lower(status) as status,
    change_event_status__name as status_name,
    event_type,
    event_scope,
    change_order_change_reason__change_reason as change_reason,
    change_event_origin_type,
    change_event_origin_id,
    nullif(trim(origin_id), '') as origin_id,
    deleted_at,
    created_at,
    updated_at
from source
