-- Procore prime contract line items (the owner schedule of values), coded by cost code and
-- line item type. Sage twin: CNC_ACTIVE__CONTRACT_ITEM (Contract_Item = position).
with source as (
    {{ typed_source('raw_procore', 'prime_contract_line_items', {
        'id': 'id', 'project_id': 'id', 'prime_contract_id': 'id', 'position': 'int',
        'description': 'text', 'amount': 'money', 'quantity': 'quantity', 'unit_cost': 'money',
        'uom': 'text', 'cost_code__id': 'id', 'cost_code__full_code': 'text',
        'line_item_type__id': 'id', 'line_item_type__code': 'text', 'wbs_code__id': 'id',
        'origin_id': 'text', 'updated_at': 'timestamp'
    }) }}
)

select
    id as line_item_id,
    project_id,
    prime_contract_id,
    position,
    description,
    amount,
    quantity,
    unit_cost,
    uom,
    cost_code__id as cost_code_id,
    cost_code__full_code as full_code,
    line_item_type__id as line_item_type_id,
    trim(line_item_type__code) as line_item_type_code,
    wbs_code__id as wbs_code_id,
    nullif(trim(origin_id), '') as origin_id,
    updated_at
from source
