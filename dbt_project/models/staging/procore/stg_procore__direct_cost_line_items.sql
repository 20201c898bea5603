-- Procore direct cost line items, coded by cost code and line item type.
with source as (
    {{ typed_source('raw_procore', 'direct_cost_line_items', {
        'id': 'id', 'project_id': 'id', 'direct_cost_id': 'id', 'position': 'int',
        'description': 'text', 'amount': 'money', 'quantity': 'quantity', 'unit_cost': 'money',
        'cost_code__id': 'id', 'cost_code__full_code': 'text', 'line_item_type__id': 'id',
        'line_item_type__code': 'text', 'updated_at': 'timestamp'
    }) }}
)

select
    id as direct_cost_line_id,
    project_id,
    direct_cost_id,
    position,
    description,
    amount,
    quantity,
    unit_cost,
    cost_code__id as cost_code_id,
    cost_code__full_code as full_code,
    line_item_type__id as line_item_type_id,
    trim(line_item_type__code) as line_item_type_code,
    updated_at
from source
