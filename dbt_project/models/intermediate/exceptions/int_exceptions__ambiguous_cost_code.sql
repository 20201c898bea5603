-- A Procore cost code that two equally specific controller map rows send to different
-- Sage targets. Once per Procore cost code; no target is chosen.
with ambiguous as (
    select cost_code_id, min(project_id) as project_id, min(job) as job, min(full_code) as full_code
    from {{ ref('int_cost_code_translation') }}
    where outcome = 'ambiguous'
    group by cost_code_id
),

targets as (
    select ambiguous.cost_code_id,
        string_agg(distinct map.sage_cost_code || coalesce('/' || map.sage_category, ''), ', ') as targets
    from ambiguous
    inner join {{ ref('stg_control__cost_code_map') }} as map
        on map.procore_cost_code = ambiguous.full_code
        and (map.job is null or map.job = ambiguous.job)
    group by ambiguous.cost_code_id
)

select
    'ambiguous_cost_code' as exception_type,
    ambiguous.project_id,
    ambiguous.job,
    'cost_code' as procore_object,
    ambiguous.cost_code_id as procore_id,
    'JCM_MASTER__COST_CODE' as sage_object,
    cast(null as varchar) as sage_key,
    'full_code' as field,
    ambiguous.full_code as procore_value,
    targets.targets as sage_value,
    'Controller map rows send Procore cost code ''' || ambiguous.full_code || ''' to different '
        || 'Sage codes (' || coalesce(targets.targets, '?') || '): remove or narrow one of them.'
        as message
from ambiguous
left join targets on targets.cost_code_id = ambiguous.cost_code_id
