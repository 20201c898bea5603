-- Procore commitments ↔ Sage subcontracts / POs, field by field. One row per pair (or per
-- unpaired side). Each `<field>_status` is match | mismatch | missing_in_sage |
-- missing_in_procore | not_compared (e.g. vendor unmapped). Money is DECIMAL; the
-- tolerance is the `money_tolerance` variable.
select
    comparison.*,
    case
        when commitment_id is null then 'missing_in_procore'
        when sage_commitment is null then 'missing_in_sage'
        when procore_vendor_mapped is null then 'not_compared'
        when procore_vendor_mapped = sage_vendor then 'match'
        else 'mismatch'
    end as vendor_status,
    {{ recon_money_status('procore_original_amount', 'sage_original_amount') }} as original_amount_status,
    {{ recon_money_status('procore_approved_changes', 'sage_approved_changes') }} as approved_changes_status,
    {{ recon_money_status('procore_revised_amount', 'sage_revised_amount') }} as revised_amount_status,
    {{ recon_money_status('procore_retainage_percent', 'sage_retainage_percent') }} as retainage_percent_status,
    {{ recon_money_status('procore_retainage_held', 'sage_retainage_held') }} as retainage_held_status,
    {{ recon_money_status('procore_billed_to_date', 'sage_billed_to_date') }} as billed_to_date_status,
    case
        when commitment_id is null then 'missing_in_procore'
        when sage_commitment is null then 'missing_in_sage'
        when line_codings_off > 0 then 'mismatch'
        else 'match'
    end as lines_status
from {{ ref('int_commitment_comparison') }} as comparison
