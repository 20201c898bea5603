-- Sage's refusals of rows the writer sent (control store, `tieout write`). One row per
-- (idempotency key, rule); superseded_by names the key of the corrected source row that
-- replaced the rejected one (NULL: still waiting for a fix). project_id / job: of the
-- refused row (its approved payload), NULL when it names none.
with source as (
    {{ typed_source('raw_control', 'write_rejections', {
        'id': 'id', 'idempotency_key': 'text', 'object_type': 'text',
        'source_object': 'text', 'source_id': 'id', 'sage_key': 'text', 'rule': 'text',
        'reason': 'text', 'field': 'text', 'rejected_at': 'timestamp', 'superseded_by': 'text',
        'project_id': 'id', 'job': 'text'
    }) }}
)

select * from source
