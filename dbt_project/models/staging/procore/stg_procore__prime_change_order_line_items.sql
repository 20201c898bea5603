-- Procore prime change order line items (v2). `prime_line_item_id` is the amended prime
-- contract line (NULL = new scope).
with source as (
    {{ typed_source('raw_procore', 'prime_change_order_line_items', {
        'id': 'id', 'project_id': 'id', 'prime_change_order_id': 'id',
        'prime_line_item_id': 'id', 'position': 'int', 'description': 'text',
        'amount': 'money', 'quantity': 'quantity', 'unit_cost': 'money', 'uom': 'text',
        'wbs_code_id': 'id'
    }) }}
)

select
    id as change_order_line_id,
    project_id,
    prime_change_order_id as change_order_id,
    prime_line_item_id,
    position,
    description,
    amount,
    quantity,
    unit_cost,
    uom,
    wbs_code_id
from source
