-- Paired commitments whose Procore ERP link is missing or names another Sage commitment,
-- as commitment sync items by id (PATCH /rest/v1.0/{work_order,purchase_order}_contracts/
-- sync): origin_id = the Sage commitment it is paired with (Procore's only way to change an
-- origin_id is by id), origin_code = the same, origin_data = a small JSON with the Sage job
-- and vendor. Once written, the next sync pairs the commitment by origin_id (rule 1 of
-- int_commitment_pairs) instead of by job + number.
--
-- Held by (open blocking exceptions): any about the Procore commitment (schema_drift,
-- vendor_mismatch, …) or the Sage commitment, but the amount/line mismatches a link does
-- not change; write_rejected of this version. Held by conditions:
-- sage_commitment_linked_elsewhere (another Procore commitment already carries it).
-- A link that replaces a different origin_id needs a controller.
with pairs as (
    select commitment_id, commitment_kind, project_id, job, sage_commitment, link_rule
    from {{ ref('int_commitment_pairs') }}
    where commitment_id is not null and sage_commitment is not null
),

procore as (
    select commitment_id, commitment_kind, commitment_number, origin_id, updated_at, is_live
    from {{ ref('int_procore__commitments') }}
),

sage as (
    select commitment, job, vendor from {{ ref('stg_sage__commitments') }}
),

holders as (
    select origin_id, count(*) as holders, min(commitment_id) as commitment_id
    from procore
    where is_live and origin_id is not null
    group by origin_id
),

link_rows as (
    select
        pairs.commitment_id,
        case when pairs.commitment_kind = 'purchase_order' then 'purchase_order_contract'
            else 'work_order_contract' end as source_object,
        pairs.project_id,
        pairs.job,
        pairs.sage_commitment,
        pairs.link_rule,
        procore.commitment_number,
        procore.origin_id as procore_origin_id,
        procore.updated_at as source_updated_at,
        sage.vendor as sage_vendor,
        holders.commitment_id as holder_commitment_id,
        {{ outbound_conditions([
            ['sage_commitment_linked_elsewhere', 'holders.commitment_id is not null and holders.commitment_id <> pairs.commitment_id'],
        ]) }} as blocking_conditions,
        case when procore.origin_id is not null
            then 'Replaces the ERP link ' || procore.origin_id || ' of Procore commitment '
                || coalesce(procore.commitment_number, cast(pairs.commitment_id as varchar))
                || ' with Sage commitment ' || pairs.sage_commitment || '.'
        end as needs_approval_reason
    from pairs
    inner join procore on procore.commitment_id = pairs.commitment_id
    left join sage on sage.commitment = pairs.sage_commitment
    left join holders on holders.origin_id = pairs.sage_commitment
    where coalesce(procore.origin_id, '') <> pairs.sage_commitment
),

keyed as (
    select
        {{ outbound_idempotency_key('procore_commitment_link', 'link_rows.commitment_id', outbound_epoch('link_rows.source_updated_at'), [
            'link_rows.sage_commitment', 'link_rows.job', 'link_rows.sage_vendor', 'link_rows.procore_origin_id'
        ]) }} as idempotency_key,
        link_rows.*
    from link_rows
),

touches as (
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['*'], 'commitment', 'keyed.commitment_id',
        except_types=['write_rejected', 'commitment_amount_mismatch', 'commitment_line_mismatch',
            'retainage_mismatch', 'invoice_amount_mismatch', 'change_order_missing_in_sage',
            'change_order_amount_mismatch', 'invoice_missing_in_sage']) }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['write_rejected'], sage_key='keyed.sage_commitment',
        idempotency_key='keyed.idempotency_key') }}
),

blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    keyed.idempotency_key,
    keyed.source_object,
    keyed.commitment_id as source_id,
    keyed.project_id,
    'procore_' || keyed.source_object as target_object,
    keyed.sage_commitment as sage_key,
    keyed.commitment_id as procore_commitment_id,
    keyed.commitment_number,
    keyed.sage_commitment as origin_id,
    keyed.sage_commitment as origin_code,
    '{"job":"' || coalesce(keyed.job, '') || '","vendor":"' || coalesce(keyed.sage_vendor, '') || '"}' as origin_data,
    keyed.procore_origin_id,
    keyed.link_rule,
    keyed.job,
    keyed.sage_vendor,
    keyed.source_updated_at,
    blockers.blocking_exception_ids,
    keyed.blocking_conditions,
    blockers.blocking_exception_ids is not null or keyed.blocking_conditions is not null as is_blocked,
    keyed.needs_approval_reason
from keyed
left join blockers on blockers.row_key = keyed.idempotency_key
