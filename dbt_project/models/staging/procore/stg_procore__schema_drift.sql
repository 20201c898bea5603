-- Records the Procore extraction quarantined because a field did not match its schema
-- (e.g. a money field that is not a decimal string). One row per record, field and run.
with source as (
    {{ typed_source('raw_procore', '_tieout_schema_drift', {
        'run_id': 'text', 'resource': 'text', 'record_id': 'text', 'project_id': 'id',
        'field': 'text', 'expected': 'text', 'found': 'text', 'sample_value': 'text',
        'detected_at': 'timestamp', '_dlt_load_id': 'text'
    }) }}
)

select * from source
