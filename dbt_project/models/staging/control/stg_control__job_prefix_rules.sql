-- Project number prefix rules (control store): `procore_prefix` is replaced by `sage_prefix`.
with source as (
    {{ typed_source('raw_control', 'job_prefix_rules', {
        'procore_prefix': 'text', 'sage_prefix': 'text'
    }) }}
)

select procore_prefix, coalesce(sage_prefix, '') as sage_prefix
from source
where coalesce(procore_prefix, '') <> ''
