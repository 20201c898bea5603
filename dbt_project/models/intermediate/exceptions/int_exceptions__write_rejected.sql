-- Sage refused a row the writer submitted (control store write_rejections, copied into
-- raw_control). Open while no corrected source row has superseded it. procore_id = the
-- source object (the requisition of an AP invoice, …); sage_key = the key the write
-- attempted (`Vendor|Invoice`, `Commitment`, …); field = the connector's rule code;
-- procore_value = the rejected row's idempotency key (the outbound models hold exactly that
-- version of the row); sage_value = the field Sage objected to; message = Sage's reason.
-- Blocking.
with open_rejections as (
    select
        rejections.*,
        row_number() over (
            partition by rejections.source_object, rejections.source_id, rejections.sage_key,
                rejections.rule
            order by rejections.rejected_at desc, rejections.id desc
        ) as newest
    from {{ ref('stg_control__write_rejections') }} as rejections
    where rejections.superseded_by is null
)

select
    'write_rejected' as exception_type,
    open_rejections.project_id,
    open_rejections.job,
    open_rejections.source_object as procore_object,
    open_rejections.source_id as procore_id,
    case open_rejections.object_type
        when 'ap_invoices' then 'APM_MASTER__INVOICE'
        when 'commitments' then 'JCM_MASTER__COMMITMENT'
        when 'commitment_change_orders' then 'JCM_MASTER__COMMITMENT_CO'
        when 'jc_estimates' then 'JCM_MASTER__CATEGORY'
        when 'vendors' then 'APM_MASTER__VENDOR'
        when 'ar_invoices' then 'ART_CURRENT__TRANSACTION'
        else open_rejections.object_type
    end as sage_object,
    open_rejections.sage_key,
    open_rejections.rule as field,
    open_rejections.idempotency_key as procore_value,
    open_rejections.field as sage_value,
    open_rejections.reason as message
from open_rejections
where open_rejections.newest = 1
