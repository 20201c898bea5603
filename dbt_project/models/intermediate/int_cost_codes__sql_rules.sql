-- SQL mapping rules: Procore full_code → Sage cost code when no per-job override and no
-- controller map row applies. Finance analysts edit THIS model to add a company rule:
-- add a CTE that yields (full_code, sage_cost_code, rule) and union it below, ahead of
-- the rules it should win over (the first rule in `priority` order wins). A code no rule
-- can place stays unmapped and becomes an `unmapped_cost_code` exception — never a default.
with codes as (
    select distinct full_code
    from {{ ref('stg_procore__cost_codes') }}
    where full_code is not null
),

mask as (
    select * from {{ ref('int_sage__cost_code_mask') }}
),

-- Rule 1 (delimiters): swap every delimiter (- . _ / space) for the mask's separator;
-- if the sections then have the mask's lengths, that is the code: 01-20.05 → 01-20-05.
delimiters as (
    select
        codes.full_code,
        {{ regex_replace_all("trim(codes.full_code)", "'[-._/ ]'", "mask.separator") }} as sage_cost_code,
        'sql: delimiters' as rule,
        1 as priority
    from codes
    cross join mask
),

-- Rule 2 (digits): an all-digit code exactly as long as the mask's digits is cut into
-- the mask's sections: 012005 → 01-20-05.
digits as (
    select
        codes.full_code,
        regexp_replace(codes.full_code, mask.digits_pattern, mask.digits_replacement) as sage_cost_code,
        'sql: digits' as rule,
        2 as priority
    from codes
    cross join mask
    where {{ regex_match("codes.full_code", "mask.digits_pattern") }}
),

candidates as (
    select * from delimiters
    union all
    select * from digits
),

-- Only results that fit the mask count; the lowest priority number wins.
fitting as (
    select candidates.*,
        row_number() over (partition by candidates.full_code order by candidates.priority) as pick
    from candidates
    cross join mask
    where {{ regex_match("candidates.sage_cost_code", "mask.sectioned_pattern") }}
)

select full_code, sage_cost_code, rule
from fitting
where pick = 1
