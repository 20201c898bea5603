-- Commitment amounts by Sage coding (job · extra · cost code · category), both sides:
-- Procore lines through the cost code translation (only lines whose coding is valid —
-- the others are reported by their mapping exception), Sage commitment items as posted.
-- A coding present on one side only counts as 0 on the other.
with pairs as (
    select * from {{ ref('int_commitment_pairs') }}
    where commitment_id is not null and sage_commitment is not null
),

procore_lines as (
    select
        lines.commitment_id,
        translation.sage_key,
        sum(lines.amount) as procore_amount
    from {{ ref('int_procore__commitment_lines') }} as lines
    inner join {{ ref('int_cost_code_translation') }} as translation
        on translation.project_id = lines.project_id
        and translation.cost_code_id = lines.cost_code_id
        and translation.line_item_type_code = lines.line_item_type_code
    where translation.outcome = 'mapped'
    group by lines.commitment_id, translation.sage_key
),

sage_items as (
    select
        commitment,
        job || '|' || extra || '|' || cost_code || '|' || category as sage_key,
        sum(amount) as sage_amount
    from {{ ref('stg_sage__commitment_items') }}
    group by commitment, job || '|' || extra || '|' || cost_code || '|' || category
),

both_sides as (
    select pairs.commitment_id, pairs.sage_commitment, pairs.project_id, pairs.job,
        procore_lines.sage_key, procore_lines.procore_amount, cast(null as decimal(18,2)) as sage_amount
    from pairs
    inner join procore_lines on procore_lines.commitment_id = pairs.commitment_id
    union all
    select pairs.commitment_id, pairs.sage_commitment, pairs.project_id, pairs.job,
        sage_items.sage_key, cast(null as decimal(18,2)), sage_items.sage_amount
    from pairs
    inner join sage_items on sage_items.commitment = pairs.sage_commitment
)

select
    commitment_id,
    sage_commitment,
    project_id,
    job,
    sage_key,
    cast(coalesce(sum(procore_amount), 0) as decimal(18,2)) as procore_amount,
    cast(coalesce(sum(sage_amount), 0) as decimal(18,2)) as sage_amount
from both_sides
group by commitment_id, sage_commitment, project_id, job, sage_key
