-- Procore requisitions (subcontractor invoices, G702 summary). Approved ones become Sage
-- AP invoices; `summary__*` amounts are to date.
with source as (
    {{ typed_source('raw_procore', 'requisitions', {
        'id': 'id', 'project_id': 'id', 'commitment_id': 'id', 'commitment_type': 'text',
        'number': 'int', 'invoice_number': 'text', 'status': 'text', 'final': 'bool',
        'vendor_id': 'id', 'period_id': 'id', 'billing_date': 'date',
        'requisition_start': 'date', 'requisition_end': 'date', 'payment_date': 'date',
        'origin_id': 'text',
        'summary__original_contract_sum': 'money',
        'summary__net_change_by_change_orders': 'money',
        'summary__contract_sum_to_date': 'money',
        'summary__total_completed_and_stored_to_date': 'money',
        'summary__completed_work_retainage_amount': 'money',
        'summary__stored_materials_retainage_amount': 'money',
        'summary__total_retainage': 'money',
        'summary__total_earned_less_retainage': 'money',
        'summary__less_previous_certificates_for_payment': 'money',
        'summary__current_payment_due': 'money',
        'summary__balance_to_finish_including_retainage': 'money',
        'created_at': 'timestamp', 'updated_at': 'timestamp'
    }) }}
)

select
    id as requisition_id,
    project_id,
    commitment_id,
    commitment_type,
    number as requisition_number,
    trim(invoice_number) as invoice_number,
    lower(status) as status,
    coalesce(final, false) as is_final,
    vendor_id,
    period_id,
    billing_date,
    requisition_start,
    requisition_end,
    payment_date,
    nullif(trim(origin_id), '') as origin_id,
    summary__original_contract_sum as original_contract_sum,
    summary__net_change_by_change_orders as net_change_by_change_orders,
    summary__contract_sum_to_date as contract_sum_to_date,
    summary__total_completed_and_stored_to_date as completed_and_stored_to_date,
    summary__completed_work_retainage_amount as work_retainage_to_date,
    summary__stored_materials_retainage_amount as materials_retainage_to_date,
    summary__total_retainage as retainage_to_date,
    summary__total_earned_less_retainage as earned_less_retainage_to_date,
    summary__less_previous_certificates_for_payment as previous_certificates,
    summary__current_payment_due as current_payment_due,
    summary__balance_to_finish_including_retainage as balance_to_finish,
    created_at,
    updated_at
from source
