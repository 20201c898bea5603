-- Procore direct costs (invoices, expenses, payroll without a commitment).
with source as (
    {{ typed_source('raw_procore', 'direct_costs', {
        'id': 'id', 'project_id': 'id', 'direct_cost_type': 'text', 'invoice_number': 'text',
        'status': 'text', 'vendor_id': 'id', 'vendor_name': 'text', 'description': 'text',
        'direct_cost_date': 'date', 'received_date': 'date', 'payment_date': 'date',
        'grand_total': 'money', 'origin_id': 'text', 'deleted_at': 'timestamp',
        'created_at': 'timestamp', 'updated_at': 'timestamp'
    }) }}
)

select
    id as direct_cost_id,
    project_id,
    direct_cost_type,
    trim(invoice_number) as invoice_number,
    lower(status) as status,
    vendor_id,
    vendor_name,
    description,
    direct_cost_date,
    received_date,
    payment_date,
    grand_total,
    nullif(trim(origin_id), '') as origin_id,
    deleted_at,
    created_at,
    updated_at
from source
