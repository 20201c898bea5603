-- Approved Procore commitment change orders of paired commitments ↔ Sage commitment
-- change orders by (commitment, number): missing in Sage, or a different amount.
-- Pending and void CCOs are not expected in Sage.
with approved as (
    select change_orders.*, pairs.sage_commitment, pairs.job, pairs.commitment_kind
    from {{ ref('stg_procore__commitment_change_orders') }} as change_orders
    inner join {{ ref('int_commitment_pairs') }} as pairs
        on pairs.commitment_id = change_orders.commitment_id
    where change_orders.status = 'approved' and pairs.sage_commitment is not null
)

select
    case when sage.commitment is null then 'change_order_missing_in_sage'
        else 'change_order_amount_mismatch' end as exception_type,
    approved.project_id,
    approved.job,
    'commitment_change_order' as procore_object,
    approved.change_order_id as procore_id,
    'JCM_MASTER__COMMITMENT_CO' as sage_object,
    case when sage.commitment is not null
        then approved.sage_commitment || '|' || approved.change_order_number end as sage_key,
    'amount' as field,
    {{ money_text('approved.grand_total') }} as procore_value,
    {{ money_text('sage.amount') }} as sage_value,
    case when sage.commitment is null
        then 'Approved change order ' || approved.change_order_number || ' ('
            || {{ money_text('approved.grand_total') }} || ') on ' || approved.sage_commitment
            || ' is not in Sage.'
        else 'Change order ' || approved.change_order_number || ' on ' || approved.sage_commitment
            || ': Procore ' || {{ money_text('approved.grand_total') }} || ', Sage '
            || {{ money_text('sage.amount') }} || '.'
    end as message
from approved
left join {{ ref('stg_sage__commitment_change_orders') }} as sage
    on sage.commitment = approved.sage_commitment
    and sage.commitment_co = approved.change_order_number
where sage.commitment is null
    or abs(approved.grand_total - sage.amount) > {{ var('money_tolerance') }}
