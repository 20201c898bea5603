-- Procore budget detail rows (one per budget line item, per budget view that lists it).
-- `category_id` is the line item type; `wbs_code_id` identifies the budget line for CO lines.
-- `forecast_to_complete` is the row's Procore budget forecast (budget_forecast.amount;
-- `forecast_strategy` automatic | manual | …), NULL where the company does not forecast.
with source as (
    {{ typed_source('raw_procore', 'budget_detail_rows', {
        'id': 'id', '_tieout_key': 'text', 'project_id': 'id', 'budget_view_id': 'id',
        'cost_code_id': 'id', 'category_id': 'id', 'wbs_code_id': 'id',
        'biller_type': 'text', 'biller_id': 'id',
        'original_budget_amount': 'money', 'budget_modifications': 'money',
        'revised_budget': 'money', 'budget_forecast__amount': 'money',
        'budget_forecast__calculation_strategy': 'text'
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
    revised_budget,
    budget_forecast__amount as forecast_to_complete,
    budget_forecast__calculation_strategy as forecast_strategy
from source
