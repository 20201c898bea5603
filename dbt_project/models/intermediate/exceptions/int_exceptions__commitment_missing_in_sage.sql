-- A live Procore commitment on a linked job with no Sage subcontract / PO.
select
    'commitment_missing_in_sage' as exception_type,
    pairs.project_id,
    pairs.job,
    pairs.commitment_kind as procore_object,
    pairs.commitment_id as procore_id,
    'JCM_MASTER__COMMITMENT' as sage_object,
    cast(null as varchar) as sage_key,
    'commitment' as field,
    commitments.commitment_number as procore_value,
    cast(null as varchar) as sage_value,
    'Procore ' || replace(pairs.commitment_kind, '_', ' ') || ' ' || commitments.commitment_number
        || ' (' || {{ money_text('commitments.grand_total') }} || ') on job ' || pairs.job
        || ' has no Sage commitment (by origin_id or job + number).' as message
from {{ ref('int_commitment_pairs') }} as pairs
inner join {{ ref('int_procore__commitments') }} as commitments
    on commitments.commitment_id = pairs.commitment_id
where pairs.sage_commitment is null
