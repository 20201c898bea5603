-- Sage extraction runs (pipelines/sage): one row per run and table, with rows read and
-- inserted / updated / deleted in the warehouse, ODBC round trips, seconds and status.
with source as (
    {{ typed_source('raw_sage', '_tieout_sync_runs', {
        'source': 'text', 'run_id': 'text', 'started_at': 'timestamp', 'resource': 'text',
        'mode': 'text', 'status': 'text', 'error': 'text', 'rows': 'int', 'requests': 'int',
        'read': 'int', 'inserted': 'int', 'updated': 'int', 'deleted': 'int',
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
    read as rows_read,
    inserted as rows_inserted,
    updated as rows_updated,
    deleted as rows_deleted,
    throttled,
    retries,
    seconds,
    _dlt_load_id
from source
