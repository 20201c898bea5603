-- Each commitment pair with every compared field from both systems side by side:
-- vendor (mapped Procore vendor vs Sage vendor), original amount, approved change orders,
-- revised amount, retainage percent, retainage held (Procore: total_retainage of the
-- latest approved requisition), billed to date (its completed and stored to date), and
-- whether every line coding ties.
with pairs as (
    select * from {{ ref('int_commitment_pairs') }}
),

procore as (
    select * from {{ ref('int_procore__commitments') }}
),

latest_requisition as (
    select commitment_id, completed_and_stored_to_date, retainage_to_date, requisition_number
    from {{ ref('int_procore__requisitions') }}
    where is_latest_approved
),

lines as (
    select
        commitment_id,
        count(*) as codings,
        sum(case when abs(procore_amount - sage_amount) > {{ var('money_tolerance') }} then 1 else 0 end)
            as codings_off
    from {{ ref('int_commitment_line_codings') }}
    group by commitment_id
)

select
    pairs.commitment_id,
    pairs.sage_commitment,
    pairs.commitment_kind,
    pairs.link_rule,
    coalesce(pairs.project_id, procore.project_id) as project_id,
    pairs.job,
    procore.commitment_number,
    procore.title,
    procore.status as procore_status,
    case when sage.closed then 'Closed' when sage.commitment is not null then 'Open' end as sage_status,
    procore.vendor_id as procore_vendor_id,
    vendors.sage_vendor as procore_vendor_mapped,
    sage.vendor as sage_vendor,
    procore.grand_total as procore_original_amount,
    sage.original_commitment as sage_original_amount,
    procore.approved_change_orders as procore_approved_changes,
    sage.approved_commitment_changes as sage_approved_changes,
    procore.revised_contract as procore_revised_amount,
    sage.revised_commitment as sage_revised_amount,
    procore.retainage_percent as procore_retainage_percent,
    cast(sage.retainage_percent as decimal(9,4)) as sage_retainage_percent,
    cast(coalesce(latest_requisition.retainage_to_date, 0) as decimal(18,2)) as procore_retainage_held,
    sage.retainage_held as sage_retainage_held,
    cast(coalesce(latest_requisition.completed_and_stored_to_date, 0) as decimal(18,2)) as procore_billed_to_date,
    sage.amount_invoiced as sage_billed_to_date,
    latest_requisition.requisition_number as latest_approved_requisition,
    coalesce(lines.codings, 0) as line_codings,
    coalesce(lines.codings_off, 0) as line_codings_off
from pairs
left join procore on procore.commitment_id = pairs.commitment_id
left join {{ ref('stg_sage__commitments') }} as sage on sage.commitment = pairs.sage_commitment
left join {{ ref('int_vendors') }} as vendors on vendors.vendor_id = procore.vendor_id
left join latest_requisition on latest_requisition.commitment_id = pairs.commitment_id
left join lines on lines.commitment_id = pairs.commitment_id
