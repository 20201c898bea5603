-- Procore budget detail rows (one per budget line item, per budget view that lists it).
-- `category_id` is the line item type; `wbs_code_id` identifies the budget line for CO lines.
with source as (
    {{ typed_source('raw_procore', 'budget_detail_rows', {
        'id': 'id', '_tieout_key': 'text', 'project_id': 'id', 'budget_view_id': 'id',
        'cost_code_id': 'id', 'category_id': 'id', 'wbs_code_id': 'id',
        'biller_type': 'text', 'biller_id': 'id',
        'original_budget_amount': 'money', 'budget_modifications': 'money',
        'revised_budget': 'money'
    }) }}
)

select
    id as budget_row_id,
    _tieout_key as budget_row_key,
    project_id,
    budget_view_id,
    cost_code_id,
    category_id as line_item_type_id,
    wbs_code_id,
    biller_type,
    biller_id,
    original_budget_amount,
    budget_modifications,
    revised_budget
from source
