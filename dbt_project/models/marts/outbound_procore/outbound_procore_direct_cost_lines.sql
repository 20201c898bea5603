-- The lines of marts.outbound_procore_direct_costs: one per Sage job·extra·cost code·
-- category of the period and cost type, coded in Procore by the one Procore cost code and
-- cost type (line item type) the cost code translation maps to that Sage coding.
-- Only lines of offered headers (a month already in Procore has none).
-- coding_outcome: mapped | no_procore_coding | ambiguous_procore_coding (held by the header).
with costs as (
    select * from {{ ref('int_procore_direct_cost_candidates') }}
)

select
    costs.idempotency_key,
    costs.line_number,
    costs.coding_key,
    costs.job,
    costs.extra,
    costs.cost_code,
    costs.category,
    costs.cost_code_id,
    costs.line_item_type_id,
    costs.coding_outcome,
    costs.description,
    costs.amount
from costs
inner join {{ ref('outbound_procore_direct_costs') }} as headers
    on headers.idempotency_key = costs.idempotency_key
