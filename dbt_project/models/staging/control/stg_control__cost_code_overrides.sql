-- Controller's per-job cost code overrides (control store): (job, Procore full code) → Sage code.
with source as (
    {{ typed_source('raw_control', 'cost_code_overrides', {
        'job': 'text', 'procore_cost_code': 'text', 'sage_cost_code': 'text'
    }) }}
)

select trim(job) as job, trim(procore_cost_code) as procore_cost_code,
       trim(sage_cost_code) as sage_cost_code
from source
