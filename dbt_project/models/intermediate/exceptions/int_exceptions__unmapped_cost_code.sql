-- A Procore cost code no rule can place (no override, no controller map row, no SQL rule
-- fits the Sage mask). Once per Procore cost code. Never defaulted.
select
    'unmapped_cost_code' as exception_type,
    min(project_id) as project_id,
    min(job) as job,
    'cost_code' as procore_object,
    cost_code_id as procore_id,
    'JCM_MASTER__COST_CODE' as sage_object,
    cast(null as varchar) as sage_key,
    'full_code' as field,
    min(full_code) as procore_value,
    cast(null as varchar) as sage_value,
    'Procore cost code ''' || min(full_code) || ''' on job ' || min(job) || ' (used by '
        || min(used_by) || ') matches no per-job override, no controller map row and no SQL '
        || 'rule for the Sage mask: add a mapping row for it.' as message
from {{ ref('int_cost_code_translation') }}
where outcome = 'unmapped'
group by cost_code_id
