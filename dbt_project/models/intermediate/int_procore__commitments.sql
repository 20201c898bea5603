-- Procore commitments: work order contracts (subcontracts) and purchase order contracts in
-- one shape, with their project's Sage job.
with unioned as (
    select 'subcontract' as commitment_kind, * from {{ ref('stg_procore__work_order_contracts') }}
    union all
    select 'purchase_order' as commitment_kind, * from {{ ref('stg_procore__purchase_order_contracts') }}
)

select
    unioned.*,
    unioned.deleted_at is null as is_live,
    projects.job,
    projects.job_exists
from unioned
left join {{ ref('int_projects') }} as projects on projects.project_id = unioned.project_id
