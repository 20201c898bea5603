-- Procore vendor → Sage vendor: origin_id when it names a Sage vendor, else the
-- controller's vendor map. Never by name. NULL sage_vendor = `unmapped_vendor`.
with vendors as (
    select * from {{ ref('stg_procore__vendors') }}
),

sage as (
    select vendor, on_hold, status from {{ ref('stg_sage__vendors') }}
),

mapped as (
    select
        vendors.*,
        coalesce(by_origin.vendor, vendor_map.sage_vendor) as sage_vendor,
        case
            when by_origin.vendor is not null then 'origin_id'
            when vendor_map.sage_vendor is not null then 'vendor map'
        end as link_rule
    from vendors
    left join sage as by_origin on by_origin.vendor = vendors.origin_id
    left join {{ ref('stg_control__vendor_map') }} as vendor_map
        on vendor_map.procore_vendor_id = vendors.vendor_id
)

select
    mapped.*,
    sage.on_hold as sage_vendor_on_hold,
    sage.status as sage_vendor_status
from mapped
left join sage on sage.vendor = mapped.sage_vendor
