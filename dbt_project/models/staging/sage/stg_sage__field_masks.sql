-- Sage TS_CTL_RECORD_3: format control: one row per (field, section); FLDCODE 16 job, 18 cost code, 20 commitment.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'TS_CTL_RECORD_3', {
        'FLDCODE': 'int',
        'Section': 'int',
        'CSLEN': 'int',
        'CNDESC': 'text',
        'CNPUNCT': 'text',
        'CNTCAP': 'int'
    }) }}
)

select
    fldcode,
    section,
    cslen,
    rtrim(cndesc) as cndesc,
    rtrim(cnpunct) as cnpunct,
    coalesce(cntcap, 0) = 1 as cntcap
from source
