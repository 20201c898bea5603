-- Retainage per commitment and period (approved requisition ↔ its Sage AP invoice):
-- newly retained and released this period and to date on both sides, so a
-- retainage_mismatch can be traced to the period (and, through requisition_id, the
-- requisition lines) that causes it.
select
    periods.*,
    case
        when abs(procore_retained_this_period - sage_retained_this_period) > {{ var('retainage_tolerance') }}
            then 'mismatch'
        else 'match'
    end as retained_status
from {{ ref('int_retainage_periods') }} as periods
