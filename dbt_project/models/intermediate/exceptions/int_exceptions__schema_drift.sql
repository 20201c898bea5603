-- A Procore record the extraction quarantined because a field did not match Procore's
-- schema, and that has not loaded cleanly since. Once per record (fields listed).
with drift as (
    select resource, record_id, min(project_id) as project_id,
        string_agg(distinct field, ', ') as fields,
        min(found) as found, min(sample_value) as sample_value,
        max(cast(_dlt_load_id as decimal(20,6))) as load_id
    from {{ ref('stg_procore__schema_drift') }}
    group by resource, record_id
),

-- Records of the drifted resources loaded after the drift was seen: they arrived cleanly.
clean_loads as (
    select * from {{ ref('stg_procore__record_loads') }}
)

select
    'schema_drift' as exception_type,
    drift.project_id,
    projects.job,
    drift.resource as procore_object,
    cast(drift.record_id as bigint) as procore_id,
    cast(null as varchar) as sage_object,
    cast(null as varchar) as sage_key,
    drift.fields as field,
    drift.sample_value as procore_value,
    cast(null as varchar) as sage_value,
    'Procore ' || drift.resource || ' ' || drift.record_id || ': ' || drift.fields || ' arrived as '
        || drift.found || ' (' || coalesce(drift.sample_value, 'null')
        || '), not as Procore documents it; the record is held back until it loads cleanly.'
        as message
from drift
left join {{ ref('int_projects') }} as projects on projects.project_id = drift.project_id
where not exists (
    select 1 from clean_loads
    where clean_loads.resource = drift.resource
        and clean_loads.record_id = drift.record_id
        and clean_loads.load_id > drift.load_id
)
