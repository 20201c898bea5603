-- A paired commitment whose original amount differs (Procore grand_total vs Sage
-- Original_Commitment). Change-order differences are reported per change order instead.
select
    'commitment_amount_mismatch' as exception_type,
    project_id,
    job,
    commitment_kind as procore_object,
    commitment_id as procore_id,
    'JCM_MASTER__COMMITMENT' as sage_object,
    sage_commitment as sage_key,
    'original_amount' as field,
    {{ money_text('procore_original_amount') }} as procore_value,
    {{ money_text('sage_original_amount') }} as sage_value,
    'Original amount of ' || commitment_number || ': Procore ' || {{ money_text('procore_original_amount') }}
        || ', Sage ' || sage_commitment || ' ' || {{ money_text('sage_original_amount') }} || ' (difference '
        || {{ money_text('procore_original_amount - sage_original_amount') }} || ').' as message
from {{ ref('int_commitment_comparison') }}
where commitment_id is not null
    and sage_commitment is not null
    and abs(coalesce(procore_original_amount, 0) - coalesce(sage_original_amount, 0))
        > {{ var('money_tolerance') }}
