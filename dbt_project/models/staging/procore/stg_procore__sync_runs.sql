-- Procore extraction runs (pipelines/procore): one row per run and table, with rows
-- loaded, API requests, 429s, retries, seconds and status (ok | skipped | failed).
with source as (
    {{ typed_source('raw_procore', '_tieout_sync_runs', {
        'source': 'text', 'run_id': 'text', 'started_at': 'timestamp', 'resource': 'text',
        'mode': 'text', 'status': 'text', 'error': 'text', 'rows': 'int', 'requests': 'int',
        'throttled': 'int', 'retries': 'int', 'seconds': 'quantity', '_dlt_load_id': 'text'
    }) }}
)

select
    source,
    run_id,
    started_at,
    resource,
    mode,
    status,
    nullif(error, '') as error,
    rows as rows_loaded,
    requests,
    throttled,
    retries,
    seconds,
    _dlt_load_id
from source
