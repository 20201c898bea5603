-- Procore requisition items (G703 lines): contract items, detail items and CO items, with
-- retainage held and released per line.
with source as (
    {{ typed_source('raw_procore', 'requisition_items', {
        'id': 'id', 'project_id': 'id', 'requisition_id': 'id', 'item_type': 'text',
        'line_item_id': 'id', 'commitment_line_item_id': 'id', 'detail_line_item_id': 'id',
        'change_order_package_id': 'id', 'cost_code_id': 'id', 'wbs_code__id': 'id',
        'position': 'int', 'description_of_work': 'text', 'scheduled_value': 'money',
        'work_completed_from_previous_application': 'money',
        'work_completed_this_period': 'money',
        'materials_presently_stored': 'money',
        'materials_moved': 'money',
        'total_completed_and_stored_to_date': 'money',
        'work_completed_retainage_from_previous_application': 'money',
        'work_completed_retainage_retained_this_period': 'money',
        'work_completed_retainage_released_this_period': 'money',
        'work_completed_retainage_percent_this_period': 'percent',
        'materials_stored_retainage_currently_retained': 'money',
        'materials_stored_retainage_released_this_period': 'money',
        'status': 'text'
    }) }}
)

select
    id as requisition_item_id,
    project_id,
    requisition_id,
    item_type,
    line_item_id,
    commitment_line_item_id,
    detail_line_item_id,
    change_order_package_id as change_order_id,
    cost_code_id,
    wbs_code__id as wbs_code_id,
    position,
    description_of_work,
    scheduled_value,
    work_completed_from_previous_application as work_completed_previous,
    work_completed_this_period,
    materials_presently_stored,
    materials_moved,
    total_completed_and_stored_to_date as completed_and_stored_to_date,
    work_completed_retainage_from_previous_application as work_retainage_previous,
    work_completed_retainage_retained_this_period as work_retainage_retained_this_period,
    work_completed_retainage_released_this_period as work_retainage_released_this_period,
    work_completed_retainage_percent_this_period as work_retainage_percent,
    materials_stored_retainage_currently_retained as materials_retainage_balance,
    materials_stored_retainage_released_this_period as materials_retainage_released_this_period,
    status
from source
