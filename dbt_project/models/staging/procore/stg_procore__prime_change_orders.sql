-- Procore prime contract change orders (PCCOs, change the owner contract). Only `approved`
-- ones exist in Sage (CNC_ACTIVE__CHANGE_ORDER, Change_Order = number).
with source as (
    {{ typed_source('raw_procore', 'prime_change_orders', {
        'id': 'id', 'project_id': 'id', 'contract_id': 'id', 'number': 'text', 'title': 'text',
        'description': 'text', 'status': 'text', 'grand_total': 'money', 'executed': 'bool',
        'paid': 'bool', 'revision': 'int', 'reference': 'text', 'schedule_impact_amount': 'int',
        'due_date': 'date', 'invoiced_date': 'date', 'paid_date': 'date',
        'signed_change_order_received_date': 'date', 'reviewed_at': 'timestamp',
        'created_at': 'timestamp', 'updated_at': 'timestamp'
    }) }}
)

select
    id as change_order_id,
    project_id,
    contract_id as prime_contract_id,
    trim(number) as change_order_number,
    title,
    description,
    lower(status) as status,
    grand_total,
    executed,
    paid,
    revision,
    reference,
    schedule_impact_amount as schedule_impact_days,
    due_date,
    invoiced_date,
    paid_date,
    signed_change_order_received_date,
    reviewed_at,
    created_at,
    updated_at
from source
