-- The Sage cost code mask (TS_CTL_RECORD_3, FLDCODE 18) turned into the regular
-- expressions the SQL translation rules use. One row. For the mask xx-xx-xx:
--   sectioned_pattern   ^[A-Za-z0-9]{2}[-][A-Za-z0-9]{2}[-][A-Za-z0-9]{2}$
--   digits_pattern      ^([0-9]{2})([0-9]{2})([0-9]{2})$
--   digits_replacement  \1-\2-\3
with sections as (
    select section, cslen as section_length, cnpunct as separator
    from {{ ref('stg_sage__field_masks') }}
    where fldcode = 18
),

separator as (
    -- Sage stores the punctuation after each section; the first one is the mask's separator.
    select separator from sections where section = 1
)

select
    (select separator from separator) as separator,
    count(*) as section_count,
    sum(section_length) as total_length,
    '^' || replace(
        string_agg('[A-Za-z0-9]{' || cast(section_length as varchar) || '}', '~' order by section),
        '~', '[' || (select separator from separator) || ']'
    ) || '$' as sectioned_pattern,
    '^' || string_agg('([0-9]{' || cast(section_length as varchar) || '})', '' order by section)
        || '$' as digits_pattern,
    replace(
        string_agg('\' || cast(section as varchar), '~' order by section),
        '~', (select separator from separator)
    ) as digits_replacement
from sections
