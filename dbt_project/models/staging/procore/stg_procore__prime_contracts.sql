-- Procore prime contracts (the owner contract, one per project in practice). Procore's
-- list has no revised amount: revised = grand_total + approved_change_orders downstream.
with source as (
    {{ typed_source('raw_procore', 'prime_contracts', {
        'id': 'id', 'project_id': 'id', 'number': 'text', 'title': 'text', 'description': 'text',
        'status': 'text', 'executed': 'bool', 'private': 'bool', 'accounting_method': 'text',
        'vendor__id': 'id', 'vendor__name': 'text',
        'origin_id': 'text', 'origin_code': 'text', 'origin_data': 'text',
        'grand_total': 'money', 'approved_change_orders': 'money',
        'retainage_percent': 'percent',
        'contract_date': 'date', 'contract_start_date': 'date',
        'contract_estimated_completion_date': 'date', 'actual_completion_date': 'date',
        'execution_date': 'date', 'deleted_at': 'timestamp', 'created_at': 'timestamp',
        'updated_at': 'timestamp'
    }) }}
)

select
    id as prime_contract_id,
    project_id,
    trim(number) as contract_number,
    title,
    description,
    status,
    executed,
    private as is_private,
    accounting_method,
    vendor__id as owner_vendor_id,
    vendor__name as owner_name,
    nullif(trim(origin_id), '') as origin_id,
    nullif(trim(origin_code), '') as origin_code,
    origin_data,
    grand_total,
    approved_change_orders,
    retainage_percent,
    contract_date,
    contract_start_date,
    contract_estimated_completion_date,
    actual_completion_date,
    execution_date,
    deleted_at,
    created_at,
    updated_at
from source
