{{ config(severity='warn', store_failures=true) }}
-- Month-end tie-out (Sage): per commitment, Σ JCM_MASTER__COMMITMENT_ITEM.Amount =
-- JCM_MASTER__COMMITMENT.Original_Commitment, within `money_tolerance`. Items without a
-- header and headers without items count too. A failing row names the commitment and
-- both figures.
with items as (
    select commitment, count(*) as item_count, sum(amount) as items_amount
    from {{ ref('stg_sage__commitment_items') }}
    group by commitment
),

headers as (
    select commitment, job, vendor, original_commitment
    from {{ ref('stg_sage__commitments') }}
)

select
    coalesce(headers.commitment, items.commitment) as commitment,
    headers.job,
    headers.vendor,
    headers.original_commitment as header_original_commitment,
    coalesce(items.item_count, 0) as item_count,
    cast(coalesce(items.items_amount, 0) as decimal(18,2)) as items_amount,
    cast(coalesce(headers.original_commitment, 0) - coalesce(items.items_amount, 0) as decimal(18,2))
        as difference
from headers
full outer join items on items.commitment = headers.commitment
where headers.commitment is null
    or abs(coalesce(headers.original_commitment, 0) - coalesce(items.items_amount, 0))
        > {{ var('money_tolerance') }}
