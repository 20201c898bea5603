-- Approved Procore commitment change orders on paired commitments that Sage lacks
-- (`change_order_missing_in_sage`), as the Sage commitment CO tieout would create
-- (JCM_MASTER__COMMITMENT_CO, .jcc record CCO): Commitment = the Sage commitment,
-- Commitment_CO = the CCO number, Date = the approval date, Status Approved, Amount = Σ its
-- items (outbound_commitment_change_order_lines) = Procore grand_total. Sage COs are
-- immutable: a wrong one is fixed by a reversing CO, so a doubtful CO must wait.
--
-- Held by (open blocking exceptions): vendor_mismatch of its commitment and unmapped_vendor
-- of the commitment's vendor (the CO would raise what Sage owes a vendor nobody confirmed);
-- commitment_line_mismatch of its commitment on a coding one of its lines posts to (the
-- amended Sage item is in dispute); unmapped / ambiguous cost code and invalid_sage_target
-- of its lines' codes; job_missing_in_sage; schema_drift of its commitment; any blocking
-- exception about the CCO itself (schema_drift, …); write_rejected of this version. Not held by commitment_amount_mismatch as such (the CO
-- adds to the commitment whatever its original; the off line is held through its
-- commitment_line_mismatch) nor by retainage_mismatch (retainage is not on a CO).
with co_lines as (
    {{ outbound_change_order_lines() }}
),

missing_lines as (
    select * from co_lines where not in_sage
),

change_orders as (
    select
        change_orders.*,
        pairs.sage_commitment,
        pairs.job,
        count(*) over (partition by pairs.sage_commitment, change_orders.change_order_number) as key_uses
    from {{ ref('stg_procore__commitment_change_orders') }} as change_orders
    inner join {{ ref('int_commitment_pairs') }} as pairs
        on pairs.commitment_id = change_orders.commitment_id
    left join {{ ref('stg_sage__commitment_change_orders') }} as sage
        on sage.commitment = pairs.sage_commitment
        and sage.commitment_co = change_orders.change_order_number
    where change_orders.status = 'approved'
        and pairs.sage_commitment is not null
        and sage.commitment is null
),

sage_items as (
    select commitment, item_number, job || '|' || extra || '|' || cost_code || '|' || category as coding_key
    from {{ ref('stg_sage__commitment_items') }}
),

line_checks as (
    select
        missing_lines.*,
        sage_items.coding_key as sage_item_coding_key
    from missing_lines
    left join sage_items
        on sage_items.commitment = missing_lines.sage_commitment
        and sage_items.item_number = missing_lines.item_number
),

line_totals as (
    select
        change_order_id,
        count(*) as line_count,
        cast(sum(amount) as decimal(18,2)) as lines_amount,
        sum(case when coding_outcome <> 'mapped' then 1 else 0 end) as lines_uncoded,
        sum(case when amended_line_missing then 1 else 0 end) as lines_amending_unknown,
        sum(case when not is_new_item and sage_item_coding_key is null then 1 else 0 end) as lines_item_not_in_sage,
        sum(case when sage_item_coding_key is not null and sage_item_coding_key <> coding_key then 1 else 0 end)
            as lines_item_coded_elsewhere,
        sum(case when item_number is null or item_number > 99999 then 1 else 0 end) as lines_bad_item,
        count(*) - count(distinct line_number) as lines_misnumbered,
        string_agg(
            {{ stable_key(['line_number', 'item_number', 'description', 'job', 'sage_extra', 'sage_cost_code',
                'sage_category', 'amount']) }},
            ',' order by line_number, change_order_line_id
        ) as lines_fingerprint
    from line_checks
    group by change_order_id
),

headers as (
    select
        change_orders.change_order_id,
        change_orders.commitment_id,
        change_orders.project_id,
        change_orders.job,
        change_orders.sage_commitment as commitment,
        change_orders.change_order_number as commitment_co,
        {{ outbound_text('change_orders.title', 30) }} as description,
        cast(change_orders.reviewed_at at time zone 'UTC' as date) as date,
        'Approved' as status,
        cast(coalesce(line_totals.lines_amount, 0) as decimal(18,2)) as amount,
        cast(change_orders.grand_total as decimal(18,2)) as procore_grand_total,
        coalesce(line_totals.line_count, 0) as line_count,
        line_totals.lines_fingerprint,
        commitments.vendor_id as procore_vendor_id,
        change_orders.updated_at as source_updated_at,
        {{ outbound_conditions([
            ['change_order_key_missing', "coalesce(change_orders.change_order_number, '') = ''"],
            ['change_order_key_too_long', 'length(change_orders.change_order_number) > 10'],
            ['change_order_key_not_unique', 'change_orders.key_uses > 1'],
            ['sage_commitment_closed', 'sage_commitments.closed'],
            ['approval_date_missing', 'change_orders.reviewed_at is null'],
            ['no_lines', 'line_totals.line_count is null'],
            ['line_coding_unresolved', 'line_totals.lines_uncoded > 0'],
            ['amended_line_unknown', 'line_totals.lines_amending_unknown > 0'],
            ['amended_item_not_in_sage', 'line_totals.lines_item_not_in_sage > 0'],
            ['sage_item_coded_elsewhere', 'line_totals.lines_item_coded_elsewhere > 0'],
            ['item_number_invalid', 'line_totals.lines_bad_item > 0'],
            ['line_numbers_not_unique', 'line_totals.lines_misnumbered > 0'],
            ['lines_do_not_sum_to_grand_total',
                'coalesce(line_totals.lines_amount, 0) <> coalesce(change_orders.grand_total, 0)'],
        ]) }} as blocking_conditions
    from change_orders
    left join line_totals on line_totals.change_order_id = change_orders.change_order_id
    left join {{ ref('int_procore__commitments') }} as commitments
        on commitments.commitment_id = change_orders.commitment_id
    left join {{ ref('stg_sage__commitments') }} as sage_commitments
        on sage_commitments.commitment = change_orders.sage_commitment
),

keyed as (
    select
        {{ outbound_idempotency_key('commitment_change_order', 'headers.change_order_id',
            outbound_epoch('headers.source_updated_at'), [
            'headers.commitment', 'headers.commitment_co', 'headers.description', 'headers.date',
            'headers.status', 'headers.amount', 'headers.lines_fingerprint'
        ]) }} as idempotency_key,
        headers.*
    from headers
),

keyed_lines as (
    select keyed.idempotency_key, missing_lines.*
    from keyed
    inner join missing_lines on missing_lines.change_order_id = keyed.change_order_id
),

touches as (
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['vendor_mismatch'], 'commitment', 'keyed.commitment_id') }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['unmapped_vendor'], 'vendor', 'keyed.procore_vendor_id') }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['job_missing_in_sage'], 'project', 'keyed.project_id') }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['*'], 'commitment_change_order', 'keyed.change_order_id',
        except_types=['write_rejected']) }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['schema_drift'], 'commitment', 'keyed.commitment_id') }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['write_rejected'], 'commitment_change_order',
        'keyed.change_order_id', idempotency_key='keyed.idempotency_key') }}
    union all
    {{ outbound_touch('keyed_lines', 'keyed_lines.idempotency_key', ['commitment_line_mismatch'], 'commitment',
        'keyed_lines.commitment_id', 'keyed_lines.coding_key') }}
    union all
    {{ outbound_touch('keyed_lines', 'keyed_lines.idempotency_key', ['unmapped_cost_code', 'ambiguous_cost_code'],
        'cost_code', 'keyed_lines.cost_code_id') }}
    union all
    {{ outbound_touch('keyed_lines', 'keyed_lines.idempotency_key', ['invalid_sage_target'], 'cost_code',
        'keyed_lines.cost_code_id', 'keyed_lines.coding_key') }}
),

blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    keyed.idempotency_key,
    'commitment_change_order' as source_object,
    keyed.change_order_id as source_id,
    keyed.project_id,
    'JCM_MASTER__COMMITMENT_CO' as target_object,
    'CCO' as import_record,
    keyed.commitment || '|' || keyed.commitment_co as sage_key,
    keyed.commitment,
    keyed.commitment_co,
    keyed.description,
    keyed.date,
    keyed.status,
    keyed.amount,
    keyed.line_count,
    keyed.job,
    keyed.commitment_id as procore_commitment_id,
    keyed.procore_grand_total,
    keyed.source_updated_at,
    blockers.blocking_exception_ids,
    keyed.blocking_conditions,
    blockers.blocking_exception_ids is not null or keyed.blocking_conditions is not null as is_blocked,
    case when exists (
        select 1 from missing_lines
        where missing_lines.change_order_id = keyed.change_order_id and missing_lines.is_new_item
    ) then 'Adds new scope: Sage gets a new commitment item (Amount 0.00, the CO amount as approved changes).'
    end as needs_approval_reason
from keyed
left join blockers on blockers.row_key = keyed.idempotency_key
