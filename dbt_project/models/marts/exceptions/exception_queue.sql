-- The exception queue controllers work (contract: ARCHITECTURE.md). One row per open or
-- closed exception. status:
--   open      found by the latest build, no standing decision
--   resolved  a controller resolved it and its values have not moved since, or the latest
--             build no longer finds it (fixed at the source: resolved_by = 'source')
--   ignored   a controller chose to ignore it and its values have not moved since
-- A blocking exception stops every outbound row that depends on it.
with log as (
    select * from {{ ref('exception_log') }}
),

latest as (
    -- the newest build, even one that found nothing (exception_builds), else the log's
    select max(build_at) as build_at
    from (
        select max(last_seen_at) as build_at from log
        union all
        select max(built_at) from {{ ref('exception_builds') }}
    ) as builds
),

resolutions as (
    select * from {{ ref('stg_control__exception_resolutions') }}
)

select
    log.exception_id,
    log.exception_type,
    log.severity,
    log.project_id,
    log.job,
    log.procore_object,
    log.procore_id,
    log.sage_object,
    log.sage_key,
    log.field,
    log.procore_value,
    log.sage_value,
    log.message,
    log.first_seen_at,
    case
        when log.last_seen_at < latest.build_at then 'resolved'
        when resolutions.status in ('resolved', 'ignored') then resolutions.status
        else 'open'
    end as status,
    log.value_fingerprint,
    log.last_seen_at,
    case
        when log.last_seen_at < latest.build_at then 'source'
        else resolutions.resolved_by
    end as resolved_by,
    case when log.last_seen_at >= latest.build_at then resolutions.resolved_at end as resolved_at,
    case when log.last_seen_at >= latest.build_at then resolutions.note end as resolution_note
from log
cross join latest
left join resolutions
    on resolutions.exception_id = log.exception_id
    and resolutions.value_fingerprint = log.value_fingerprint
