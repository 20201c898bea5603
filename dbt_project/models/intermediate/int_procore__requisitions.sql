-- Procore requisitions with what Sage should hold for each: the gross amount billed this
-- period (completed and stored to date minus the previous requisition's, approved or not)
-- and whether it is the latest approved one (its to-date figures are the position).
with requisitions as (
    select * from {{ ref('stg_procore__requisitions') }}
)

select
    requisitions.*,
    requisitions.status in ('approved', 'approved_as_noted') as is_approved,
    cast(requisitions.completed_and_stored_to_date - coalesce(lag(requisitions.completed_and_stored_to_date) over (
        partition by requisitions.commitment_id order by requisitions.requisition_number
    ), 0) as decimal(18,2)) as gross_this_period,
    cast(requisitions.retainage_to_date - coalesce(lag(requisitions.retainage_to_date) over (
        partition by requisitions.commitment_id order by requisitions.requisition_number
    ), 0) as decimal(18,2)) as retainage_change_this_period,
    coalesce(case when requisitions.status in ('approved', 'approved_as_noted') then row_number() over (
        partition by requisitions.commitment_id,
            requisitions.status in ('approved', 'approved_as_noted')
        order by requisitions.requisition_number desc
    ) end = 1, false) as is_latest_approved
from requisitions
