{#- Staging for the two Procore commitment kinds, which share one shape: `kind` is
    'work_order' (subcontracts) or 'purchase_order'. One macro each so the two stg_ models
    cannot drift apart. -#}

{#- <kind>_contracts: the commitments; soft-deleted ones keep `deleted_at`. -#}
{% macro stg_procore_commitments(kind) %}
with source as (
    {{ typed_source('raw_procore', kind ~ '_contracts', {
        'id': 'id', 'project_id': 'id', 'number': 'text', 'title': 'text', 'status': 'text',
        'vendor__id': 'id', 'vendor__origin_id': 'text', 'vendor__company': 'text',
        'origin_id': 'text', 'origin_data': 'text', 'executed': 'bool',
        'grand_total': 'money', 'approved_change_orders': 'money',
        'pending_change_orders': 'money', 'revised_contract': 'money',
        'retainage_percent': 'percent', 'total_payments': 'money',
        'contract_date': 'date', 'deleted_at': 'timestamp', 'created_at': 'timestamp',
        'updated_at': 'timestamp'
    }) }}
)

select
    id as commitment_id,
    project_id,
    trim(number) as commitment_number,
    title,
    status,
    vendor__id as vendor_id,
    nullif(trim(vendor__origin_id), '') as vendor_origin_id,
    vendor__company as vendor_name,
    nullif(trim(origin_id), '') as origin_id,
    origin_data,
    executed,
    grand_total,
    approved_change_orders,
    pending_change_orders,
    revised_contract,
    retainage_percent,
    total_payments,
    contract_date,
    deleted_at,
    created_at,
    updated_at
from source
{% endmacro %}

{#- <kind>_contract_line_items: the schedule of values. -#}
{% macro stg_procore_commitment_line_items(kind) %}
with source as (
    {{ typed_source('raw_procore', kind ~ '_contract_line_items', {
        'id': 'id', 'project_id': 'id', kind ~ '_contract_id': 'id', 'position': 'int',
        'description': 'text', 'amount': 'money', 'quantity': 'quantity', 'unit_cost': 'money',
        'uom': 'text', 'cost_code__id': 'id', 'cost_code__full_code': 'text',
        'line_item_type__id': 'id', 'line_item_type__code': 'text', 'wbs_code__id': 'id',
        'origin_id': 'text', 'updated_at': 'timestamp'
    }) }}
)

select
    id as line_item_id,
    project_id,
    {{ kind }}_contract_id as commitment_id,
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
{% endmacro %}
