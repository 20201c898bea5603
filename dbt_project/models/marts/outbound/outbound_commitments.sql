-- Procore subcontracts and purchase orders that Sage lacks (`commitment_missing_in_sage`:
-- a live commitment on a linked job with no Sage commitment by origin_id or job + number),
-- as the Sage commitment header tieout would create (JCM_MASTER__COMMITMENT, .jcc record C).
-- Its items are outbound_commitment_lines; header Original_Commitment = Σ items.
--
-- Held by (open blocking exceptions): unmapped_vendor of its vendor; unmapped / ambiguous
-- cost code of any line's code, invalid_sage_target of any line's coding; job_missing_in_sage
-- of its project; any blocking exception about the commitment itself (schema_drift, …);
-- write_rejected of this version.
-- Held by conditions: the key does not fit / is taken / would be re-cased by Sage, no Sage
-- vendor, a line without a valid coding, lines that do not sum to Procore's grand total, …
with pairs as (
    select * from {{ ref('int_commitment_pairs') }}
    where commitment_id is not null and sage_commitment is null
),

commitments as (
    select
        commitments.*,
        coalesce(commitments.origin_id, commitments.commitment_number) as sage_commitment_key,
        count(*) over (partition by coalesce(commitments.origin_id, commitments.commitment_number)) as key_uses
    from {{ ref('int_procore__commitments') }} as commitments
    inner join pairs on pairs.commitment_id = commitments.commitment_id
),

mask as (
    {{ outbound_commitment_mask() }}
),

items as (
    select items.*
    from ({{ outbound_commitment_item_rows() }}) as items
    inner join commitments on commitments.commitment_id = items.commitment_id
),

item_totals as (
    select
        commitment_id,
        count(*) as item_count,
        cast(sum(amount) as decimal(18,2)) as items_amount,
        sum(case when coding_outcome <> 'mapped' then 1 else 0 end) as items_uncoded,
        count(*) - count(distinct item_number) + sum(case when item_number is null then 1 else 0 end)
            as items_misnumbered,
        sum(case when not is_lump_sum and (length(unit_description) > 6
            or cast(units * unit_cost as decimal(18,2)) <> amount) then 1 else 0 end) as items_bad_units,
        sum(case when item_number > 99999 then 1 else 0 end) as items_number_too_long,
        string_agg(
            {{ stable_key(['item_number', 'description', 'job', 'extra', 'cost_code', 'category',
                'units', 'unit_cost', 'unit_description', 'amount']) }},
            ',' order by item_number, line_item_id
        ) as items_fingerprint
    from items
    group by commitment_id
),

headers as (
    select
        commitments.commitment_id,
        commitments.commitment_kind,
        commitments.project_id,
        commitments.job,
        commitments.commitment_number,
        commitments.sage_commitment_key as commitment,
        case commitments.commitment_kind when 'subcontract' then 'Subcontract' else 'Purchase order' end
            as commitment_type,
        case commitments.commitment_kind when 'subcontract' then 1 else 2 end as commitment_type_code,
        {{ outbound_text('commitments.title', 30) }} as description,
        commitments.vendor_id as procore_vendor_id,
        vendors.sage_vendor as vendor,
        commitments.contract_date as date,
        cast(coalesce(commitments.retainage_percent, 0) as decimal(9,4)) as retainage_percent,
        false as closed,
        cast(coalesce(item_totals.items_amount, 0) as decimal(18,2)) as original_commitment,
        cast(commitments.grand_total as decimal(18,2)) as procore_grand_total,
        commitments.status as procore_status,
        commitments.updated_at as source_updated_at,
        coalesce(item_totals.item_count, 0) as item_count,
        item_totals.items_fingerprint,
        case when vendors.sage_vendor_on_hold
            then 'Sage vendor ' || vendors.sage_vendor || ' is on hold.' end as needs_approval_reason,
        {{ outbound_conditions([
            ['commitment_key_missing', "coalesce(commitments.sage_commitment_key, '') = ''"],
            ['commitment_key_too_long', 'length(commitments.sage_commitment_key) > mask.commitment_width'],
            ['commitment_key_not_upper_case',
                'mask.commitment_caps and commitments.sage_commitment_key <> upper(commitments.sage_commitment_key)'],
            ['commitment_key_taken_in_sage', 'taken.commitment is not null'],
            ['commitment_key_not_unique', 'commitments.key_uses > 1'],
            ['procore_status_not_approved', "lower(coalesce(commitments.status, '')) not in ('approved', 'complete')"],
            ['sage_vendor_unknown', 'vendors.sage_vendor is null'],
            ['contract_date_missing', 'commitments.contract_date is null'],
            ['no_lines', 'item_totals.item_count is null'],
            ['line_coding_unresolved', 'item_totals.items_uncoded > 0'],
            ['item_numbers_not_unique', 'item_totals.items_misnumbered > 0'],
            ['item_number_too_long', 'item_totals.items_number_too_long > 0'],
            ['unit_price_line_invalid', 'item_totals.items_bad_units > 0'],
            ['lines_do_not_sum_to_grand_total', 'coalesce(item_totals.items_amount, 0) <> coalesce(commitments.grand_total, 0)'],
        ]) }} as blocking_conditions
    from commitments
    cross join mask
    left join item_totals on item_totals.commitment_id = commitments.commitment_id
    left join {{ ref('int_vendors') }} as vendors on vendors.vendor_id = commitments.vendor_id
    left join {{ ref('stg_sage__commitments') }} as taken on taken.commitment = commitments.sage_commitment_key
),

keyed as (
    select
        {{ outbound_idempotency_key('commitment', 'headers.commitment_id', outbound_epoch('headers.source_updated_at'), [
            'headers.commitment', 'headers.commitment_type', 'headers.description', 'headers.vendor', 'headers.job',
            'headers.date', 'headers.retainage_percent', 'headers.original_commitment', 'headers.items_fingerprint'
        ]) }} as idempotency_key,
        headers.*
    from headers
),

touches as (
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['unmapped_vendor'], 'vendor', 'keyed.procore_vendor_id') }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['job_missing_in_sage'], 'project', 'keyed.project_id') }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['*'], 'commitment', 'keyed.commitment_id',
        except_types=['write_rejected']) }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['write_rejected'], 'commitment', 'keyed.commitment_id',
        idempotency_key='keyed.idempotency_key') }}
    union all
    {{ outbound_touch('keyed inner join items on items.commitment_id = keyed.commitment_id', 'keyed.idempotency_key',
        ['unmapped_cost_code', 'ambiguous_cost_code'], 'cost_code', 'items.cost_code_id') }}
    union all
    {{ outbound_touch('keyed inner join items on items.commitment_id = keyed.commitment_id', 'keyed.idempotency_key',
        ['invalid_sage_target'], 'cost_code', 'items.cost_code_id', 'items.coding_key') }}
),

blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    keyed.idempotency_key,
    case keyed.commitment_kind when 'subcontract' then 'work_order_contract' else 'purchase_order_contract' end
        as source_object,
    keyed.commitment_id as source_id,
    keyed.project_id,
    'JCM_MASTER__COMMITMENT' as target_object,
    'C' as import_record,
    keyed.commitment as sage_key,
    keyed.commitment,
    keyed.commitment_type,
    keyed.commitment_type_code,
    keyed.description,
    keyed.vendor,
    keyed.job,
    keyed.date,
    keyed.retainage_percent,
    keyed.closed,
    keyed.original_commitment,
    keyed.item_count,
    keyed.procore_grand_total,
    keyed.procore_vendor_id,
    keyed.commitment_number as procore_number,
    keyed.procore_status,
    keyed.source_updated_at,
    blockers.blocking_exception_ids,
    keyed.blocking_conditions,
    blockers.blocking_exception_ids is not null or keyed.blocking_conditions is not null as is_blocked,
    keyed.needs_approval_reason
from keyed
left join blockers on blockers.row_key = keyed.idempotency_key
