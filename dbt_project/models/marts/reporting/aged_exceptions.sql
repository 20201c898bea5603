-- Open exceptions by age, for BI and the controller's month-end view: one row per exception
-- type and job (job NULL for company-level exceptions such as unmapped_vendor), with the
-- open exceptions counted into age buckets.
--
--   age_days   whole days from first_seen_at to the latest build (max last_seen_at in the
--              queue), so ages move with builds, not with the wall clock
--   buckets    0–7, 8–30, 31–60 and over 60 days
--   blocking_open  open exceptions of a blocking type (they stop outbound rows)
with queue as (
    select * from {{ ref('exception_queue') }}
),

as_of as (
    select max(last_seen_at) as built_at from queue
),

open_items as (
    select
        queue.exception_type,
        queue.severity,
        queue.job,
        queue.first_seen_at,
        {{ days_between('queue.first_seen_at', 'as_of.built_at') }} as age_days
    from queue
    cross join as_of
    where queue.status = 'open'
)

select
    exception_type,
    job,
    min(severity) as severity,
    count(*) as open_total,
    sum(case when age_days <= 7 then 1 else 0 end) as open_0_7_days,
    sum(case when age_days between 8 and 30 then 1 else 0 end) as open_8_30_days,
    sum(case when age_days between 31 and 60 then 1 else 0 end) as open_31_60_days,
    sum(case when age_days > 60 then 1 else 0 end) as open_over_60_days,
    sum(case when severity = 'blocking' then 1 else 0 end) as blocking_open,
    min(first_seen_at) as oldest_first_seen_at,
    max(age_days) as oldest_age_days
from open_items
group by exception_type, job
