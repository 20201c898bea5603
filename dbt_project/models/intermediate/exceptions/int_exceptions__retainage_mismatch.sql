-- A paired commitment whose retainage position differs: Procore's (total_retainage of the
-- latest approved requisition = retained − released) against Sage's Retainage_Held.
-- The message names the first period whose retainage differs, or the Sage invoices that
-- show a release Procore has not made.
with retainage as (
    select * from {{ ref('recon_retainage') }}
    where commitment_id is not null and sage_commitment is not null
),

first_period_off as (
    select commitment_id, min(requisition_number) as requisition_number
    from {{ ref('int_retainage_periods') }}
    where abs(procore_retained_this_period - sage_retained_this_period) > {{ var('retainage_tolerance') }}
    group by commitment_id
),

released_in_sage as (
    select commitment_id,
        string_agg(invoice_number || ' (' || {{ money_text('sage_released_against_invoice') }} || ')', ', ')
            as invoices
    from {{ ref('int_retainage_periods') }}
    where sage_released_against_invoice <> 0
    group by commitment_id
)

select
    'retainage_mismatch' as exception_type,
    retainage.project_id,
    retainage.job,
    retainage.commitment_kind as procore_object,
    retainage.commitment_id as procore_id,
    'JCM_MASTER__COMMITMENT' as sage_object,
    retainage.sage_commitment as sage_key,
    'retainage_held' as field,
    {{ money_text('retainage.procore_balance') }} as procore_value,
    {{ money_text('retainage.sage_balance') }} as sage_value,
    'Retainage held on ' || retainage.sage_commitment || ': Procore ' || {{ money_text('retainage.procore_balance') }}
        || ' (retained ' || {{ money_text('retainage.procore_retained') }} || ', released '
        || {{ money_text('retainage.procore_released') }} || '), Sage ' || {{ money_text('retainage.sage_balance') }}
        || ' (retained ' || {{ money_text('retainage.sage_retained') }} || ', released '
        || {{ money_text('retainage.sage_released') }} || ')'
        || case
            when first_period_off.requisition_number is not null
                then '; first differs on requisition #' || cast(first_period_off.requisition_number as varchar)
            when released_in_sage.invoices is not null and retainage.procore_released = 0
                then '; Sage shows retainage released on ' || released_in_sage.invoices
                    || ' that Procore has not released'
            else ''
        end || '.' as message
from retainage
left join first_period_off on first_period_off.commitment_id = retainage.commitment_id
left join released_in_sage on released_in_sage.commitment_id = retainage.commitment_id
where abs(retainage.procore_balance - retainage.sage_balance) > {{ var('retainage_tolerance') }}
