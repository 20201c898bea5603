-- A Procore vendor with no Sage vendor: no origin_id naming one and no vendor map row.
-- Raised for every directory vendor, used or not (it blocks anything written for it).
select
    'unmapped_vendor' as exception_type,
    cast(null as bigint) as project_id,
    cast(null as varchar) as job,
    'vendor' as procore_object,
    vendor_id as procore_id,
    'APM_MASTER__VENDOR' as sage_object,
    cast(null as varchar) as sage_key,
    'origin_id' as field,
    vendor_name as procore_value,
    cast(null as varchar) as sage_value,
    'Procore vendor ''' || vendor_name || ''' (id ' || cast(vendor_id as varchar)
        || ') has no Sage vendor: set its ERP link or add a vendor map row.' as message
from {{ ref('int_vendors') }}
where sage_vendor is null
