-- What the writer wrote (control store idempotency_ledger joined to the key's outbox row,
-- copied into raw_control by `tieout build`). One row per written idempotency key: the
-- connector that wrote it, the Sage natural key its receipt names, the Procore object it
-- came from, the project / job of the approved row and when Sage acknowledged it. The next
-- Sage sync must show every one of them (int_write_confirmations).
with source as (
    {{ typed_source('raw_control', 'write_ledger', {
        'idempotency_key': 'text', 'connector': 'text', 'object_type': 'text',
        'source_object': 'text', 'source_id': 'id', 'sage_key': 'text', 'project_id': 'id',
        'job': 'text', 'receipt': 'text', 'written_at': 'timestamp'
    }) }}
)

select * from source
