-- Procore commitment change orders (CCOs). Only `approved` ones exist in Sage.
with source as (
    {{ typed_source('raw_procore', 'commitment_change_orders', {
        'id': 'id', 'project_id': 'id', 'contract_id': 'id', 'number': 'text', 'title': 'text',
        'status': 'text', 'grand_total': 'money', 'executed': 'bool', 'due_date': 'date',
        'reviewed_at': 'timestamp', 'created_at': 'timestamp', 'updated_at': 'timestamp'
    }) }}
)

select
    id as change_order_id,
    project_id,
    contract_id as commitment_id,
    trim(number) as change_order_number,
    title,
    lower(status) as status,
    grand_total,
    executed,
    due_date,
    reviewed_at,
    created_at,
    updated_at
from source
