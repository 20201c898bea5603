-- Procore line item types (cost types). `code` (L M S E O R) becomes the Sage category.
with source as (
    {{ typed_source('raw_procore', 'line_item_types', {
        'id': 'id', 'code': 'text', 'name': 'text', 'base_type': 'text', 'origin_id': 'text'
    }) }}
)

select
    id as line_item_type_id,
    trim(code) as line_item_type_code,
    name as line_item_type_name,
    base_type,
    nullif(trim(origin_id), '') as origin_id
from source
