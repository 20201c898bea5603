-- A record the writer wrote (Sage acknowledged it; it is in the idempotency ledger) that a
-- later Sage sync does not hold: int_write_confirmations status missing_in_sage. Typically
-- the import was never posted, was deleted, or landed under another key. The exception
-- type list is a contract (ARCHITECTURE.md), so this is a `write_rejected` with field
-- `not_in_sage`: procore_id = the source object (the requisition of an AP invoice, …),
-- sage_key = where Sage should hold it, procore_value = the written row's idempotency key
-- (so it holds exactly that version of the outbound row, like any write_rejected),
-- sage_value = the stamp Sage holds at sage_key instead (NULL: no row there). The sync time
-- is only in the message, so each sync does not reopen a controller's decision. Once per
-- (source, sage_key): the newest write. Blocking.
--
-- It does not re-send anything: the ledger already stops the writer from sending that key
-- again. The controller checks Sage (import log, unposted entries) and posts it from there
-- (the next sync confirms it and the exception closes by itself), or enters it by hand (no
-- stamp) and resolves / ignores it in the queue (`tieout exceptions resolve ID`). A changed
-- source row has a new key and is offered again like any new row.
with missing as (
    select
        confirmations.*,
        row_number() over (
            partition by confirmations.source_object, confirmations.source_id,
                confirmations.sage_key
            order by confirmations.written_at desc, confirmations.idempotency_key desc
        ) as newest
    from {{ ref('int_write_confirmations') }} as confirmations
    where confirmations.status = 'missing_in_sage'
)

select
    'write_rejected' as exception_type,
    missing.project_id,
    missing.job,
    missing.source_object as procore_object,
    missing.source_id as procore_id,
    missing.sage_object,
    missing.sage_key,
    'not_in_sage' as field,
    missing.idempotency_key as procore_value,
    missing.sage_stamp as sage_value,
    'Written to ' || coalesce(missing.target_system, 'Sage') || ' but not found there: '
        || coalesce(missing.object_type, 'record') || ' '
        || missing.sage_key
        || coalesce(' (from Procore ' || missing.source_object || ' '
            || cast(missing.source_id as varchar) || ')', '')
        || ' was accepted through the ' || missing.connector || ' connector at '
        || {{ timestamp_text('missing.written_at') }}
        || coalesce(' (receipt: ' || missing.receipt || ')', '')
        || ', but the latest ' || coalesce(missing.target_system, 'Sage') || ' sync of '
        || replace(missing.sage_object, 'procore:', '') || ' at '
        || {{ timestamp_text('missing.latest_sage_sync_at') }}
        || case when missing.sage_row_exists
            then ' shows ' || missing.sage_key || ' with another write stamp ('
                || coalesce(nullif(missing.sage_stamp, ''), 'none') || ').'
            else ' does not hold it.' end
        || case when coalesce(missing.target_system, 'Sage') = 'Procore'
            then ' Check the record in Procore (deleted, or its ERP link changed by hand):'
                || ' restore the link, or resolve this exception.'
            else ' Check Sage''s import log and unposted entries: post it from there (the'
                || ' next sync confirms it), or enter it by hand and resolve this exception.'
            end
        || ' tieout will not send it again.'
        as message
from missing
where missing.newest = 1
