{{ config(severity='warn', store_failures=true) }}
-- Month-end tie-out (Procore): per live commitment (work order or purchase order contract),
-- Σ line item amounts = grand_total, within `money_tolerance`. Deleted commitments are
-- ignored (as everywhere in the reconciliation). A failing row names the commitment and
-- both figures.
with lines as (
    select commitment_kind, commitment_id, count(*) as line_count, sum(amount) as lines_amount
    from {{ ref('int_procore__commitment_lines') }}
    group by commitment_kind, commitment_id
)

select
    commitments.commitment_kind,
    commitments.commitment_id,
    commitments.commitment_number,
    commitments.project_id,
    commitments.job,
    commitments.grand_total,
    coalesce(lines.line_count, 0) as line_count,
    cast(coalesce(lines.lines_amount, 0) as decimal(18,2)) as lines_amount,
    cast(coalesce(commitments.grand_total, 0) - coalesce(lines.lines_amount, 0) as decimal(18,2))
        as difference
from {{ ref('int_procore__commitments') }} as commitments
left join lines
    on lines.commitment_kind = commitments.commitment_kind
    and lines.commitment_id = commitments.commitment_id
where commitments.is_live
    and abs(coalesce(commitments.grand_total, 0) - coalesce(lines.lines_amount, 0))
        > {{ var('money_tolerance') }}
