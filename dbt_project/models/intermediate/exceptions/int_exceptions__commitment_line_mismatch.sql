-- A paired commitment whose amount on one Sage coding (job · extra · cost code · category)
-- differs between the Procore lines (translated) and the Sage commitment items.
select
    'commitment_line_mismatch' as exception_type,
    codings.project_id,
    codings.job,
    commitments.commitment_kind as procore_object,
    codings.commitment_id as procore_id,
    'JCM_MASTER__COMMITMENT_ITEM' as sage_object,
    codings.sage_key,
    'line_amount' as field,
    {{ money_text('codings.procore_amount') }} as procore_value,
    {{ money_text('codings.sage_amount') }} as sage_value,
    'Commitment ' || commitments.commitment_number || ' / Sage ' || codings.sage_commitment
        || ' on ' || codings.sage_key || ': Procore lines ' || {{ money_text('codings.procore_amount') }}
        || ', Sage items ' || {{ money_text('codings.sage_amount') }} || '.' as message
from {{ ref('int_commitment_line_codings') }} as codings
inner join {{ ref('int_procore__commitments') }} as commitments
    on commitments.commitment_id = codings.commitment_id
where abs(codings.procore_amount - codings.sage_amount) > {{ var('money_tolerance') }}
