-- Procore commitment line items (work order and purchase order) in one shape.
select 'subcontract' as commitment_kind, *
from {{ ref('stg_procore__work_order_contract_line_items') }}
union all
select 'purchase_order' as commitment_kind, *
from {{ ref('stg_procore__purchase_order_contract_line_items') }}
