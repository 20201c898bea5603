-- Procore project → Sage job, first rule that applies:
--   1. origin_id (ERP-linked project) is the job;
--   2. the longest job prefix rule (control store) whose procore_prefix starts the
--      project number: P-24-017 → 24-017;
--   3. the project number itself.
-- `job_exists` says whether that job is in Sage (else `job_missing_in_sage`).
with projects as (
    select * from {{ ref('stg_procore__projects') }}
),

prefix_matches as (
    select
        projects.project_id,
        rules.sage_prefix || substring(projects.project_number, length(rules.procore_prefix) + 1)
            as job,
        row_number() over (
            partition by projects.project_id order by length(rules.procore_prefix) desc
        ) as pick
    from projects
    inner join {{ ref('stg_control__job_prefix_rules') }} as rules
        on left(projects.project_number, length(rules.procore_prefix)) = rules.procore_prefix
),

resolved as (
    select
        projects.*,
        coalesce(projects.origin_id, prefix_matches.job, projects.project_number) as job,
        case
            when projects.origin_id is not null then 'origin_id'
            when prefix_matches.job is not null then 'prefix rule'
            else 'project number'
        end as job_rule
    from projects
    left join prefix_matches
        on prefix_matches.project_id = projects.project_id and prefix_matches.pick = 1
)

select
    resolved.*,
    jobs.job is not null as job_exists,
    jobs.status as job_status
from resolved
left join {{ ref('stg_sage__jobs') }} as jobs on jobs.job = resolved.job
