-- When each Procore record of the resources that can drift was last loaded (dlt load id,
-- epoch seconds). Lets a schema-drift exception close once the record loads cleanly.
{%- set resources = ['direct_costs', 'work_order_contracts', 'purchase_order_contracts',
    'commitment_change_orders', 'prime_contracts', 'prime_change_orders', 'requisitions',
    'vendors', 'projects', 'cost_codes', 'budget_detail_rows', 'payment_applications'] %}
{%- for resource in resources %}
select
    '{{ resource }}' as resource,
    cast(id as varchar) as record_id,
    cast(_dlt_load_id as decimal(20, 6)) as load_id
from ({{ typed_source('raw_procore', resource, {'id': 'id', '_dlt_load_id': 'text'}) }}) as {{ resource }}
{{ 'union all' if not loop.last }}
{%- endfor %}
