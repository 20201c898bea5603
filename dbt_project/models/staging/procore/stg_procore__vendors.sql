-- Procore company vendor directory. `origin_id` is the ERP (Sage) vendor id when linked.
with source as (
    {{ typed_source('raw_procore', 'vendors', {
        'id': 'id', 'company_id': 'id', 'name': 'text', 'legal_name': 'text',
        'abbreviated_name': 'text', 'origin_id': 'text', 'origin_code': 'text',
        'is_active': 'bool', 'address': 'text', 'city': 'text', 'state_code': 'text',
        'zip': 'text', 'business_phone': 'text', 'email_address': 'text',
        'updated_at': 'timestamp'
    }) }}
)

select
    id as vendor_id,
    company_id,
    name as vendor_name,
    legal_name,
    abbreviated_name,
    nullif(trim(origin_id), '') as origin_id,
    origin_code,
    coalesce(is_active, true) as is_active,
    address,
    city,
    state_code,
    zip,
    business_phone,
    email_address,
    updated_at
from source
