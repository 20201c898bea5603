-- A paired commitment whose mapped Procore vendor is not the Sage commitment's vendor.
-- Skipped when the Procore vendor is unmapped (that is `unmapped_vendor`).
select
    'vendor_mismatch' as exception_type,
    project_id,
    job,
    commitment_kind as procore_object,
    commitment_id as procore_id,
    'JCM_MASTER__COMMITMENT' as sage_object,
    sage_commitment as sage_key,
    'vendor' as field,
    procore_vendor_mapped as procore_value,
    sage_vendor as sage_value,
    'Procore ' || replace(commitment_kind, '_', ' ') || ' ' || commitment_number || ' is with vendor '
        || procore_vendor_mapped || ' (Sage id), Sage commitment ' || sage_commitment || ' with '
        || sage_vendor || '.' as message
from {{ ref('int_commitment_comparison') }}
where commitment_id is not null
    and sage_commitment is not null
    and procore_vendor_mapped is not null
    and procore_vendor_mapped <> sage_vendor
