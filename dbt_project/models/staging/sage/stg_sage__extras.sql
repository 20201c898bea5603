-- Sage JCM_MASTER__EXTRA: extras (Procore sub jobs) per job.
-- Renamed to lower case, text right-trimmed (the ODBC driver pads fixed-width
-- fields), money DECIMAL(18,2), 0/1 flags boolean. No logic.
with source as (
    {{ typed_source('raw_sage', 'JCM_MASTER__EXTRA', {
        'Job': 'text',
        'Extra': 'text',
        'Description': 'text',
        'Status': 'text'
    }) }}
)

select
    rtrim(job) as job,
    rtrim(extra) as extra,
    rtrim(description) as description,
    rtrim(status) as status
from source
