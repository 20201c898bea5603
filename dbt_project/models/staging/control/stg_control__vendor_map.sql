-- Controller's vendor map (control store) for Procore vendors without an ERP link.
with source as (
    {{ typed_source('raw_control', 'vendor_map', {
        'procore_vendor_id': 'id', 'sage_vendor': 'text'
    }) }}
)

select procore_vendor_id, trim(sage_vendor) as sage_vendor
from source
