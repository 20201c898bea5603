-- Controllers' decisions on exceptions (control store). A decision holds only while the
-- exception's values still have the fingerprint it was taken on.
with source as (
    {{ typed_source('raw_control', 'exception_resolutions', {
        'exception_id': 'text', 'status': 'text', 'value_fingerprint': 'text', 'note': 'text',
        'resolved_by': 'text', 'resolved_at': 'timestamp'
    }) }}
)

select * from source
