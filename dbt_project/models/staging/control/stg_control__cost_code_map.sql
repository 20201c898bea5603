-- Controller mapping table (control store). Empty job / line item type = any; empty
-- category = the Procore line item type code.
with source as (
    {{ typed_source('raw_control', 'cost_code_map', {
        'procore_cost_code': 'text', 'job': 'text', 'line_item_type': 'text',
        'sage_cost_code': 'text', 'sage_category': 'text'
    }) }}
)

select
    trim(procore_cost_code) as procore_cost_code,
    nullif(trim(job), '') as job,
    nullif(trim(line_item_type), '') as line_item_type,
    trim(sage_cost_code) as sage_cost_code,
    nullif(trim(sage_category), '') as sage_category
from source
