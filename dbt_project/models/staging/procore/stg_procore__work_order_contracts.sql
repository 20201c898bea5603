-- Procore work order contracts (commitments). Soft-deleted ones keep `deleted_at`.
with source as (
    {{ typed_source('raw_procore', 'work_order_contracts', {
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
