-- Sage vendors Procore does not hold as ERP-linked company vendors, as Procore vendor sync
-- items (PATCH /rest/v1.0/vendors/sync). origin_id = the Sage vendor code (the ERP link
-- int_vendors reads; unique per company as Procore requires); origin_code = the same code.
-- Three cases, one row per Sage vendor:
--   create      no Procore vendor is linked to it and none has its name → a new company
--               vendor with the Sage name and address.
--   name        exactly one unlinked Procore vendor has its name (letters and digits,
--               case-insensitive) and that name fits no other unlinked Sage vendor → set
--               that vendor's origin_id by id (nothing else changes). Needs a controller:
--               a name is evidence, not proof.
--   vendor map  the controller's vendor map links a Procore vendor whose origin_id is
--               empty → write the link into Procore by id.
-- Never a guess: a name shared by several Procore or Sage vendors, or a name match whose
-- Procore vendor already carries another ERP link, is held (blocking condition).
--
-- Held by (open blocking exceptions): write_rejected of this version; any about the
-- matched Procore vendor except unmapped_vendor (what the row resolves). Held by
-- conditions: ambiguous_procore_vendor_name, procore_vendor_linked_elsewhere,
-- sage_vendor_linked_to_another_procore_vendor (the vendor map names a second Procore vendor
-- for a Sage vendor another one already carries as origin_id: Procore allows one; merge
-- the duplicates in Procore).
with sage as (
    select
        vendor,
        name,
        address_1,
        city,
        state,
        zip,
        telephone,
        contact_1_email_address,
        status,
        lower({{ regex_replace_all('name', "'[^A-Za-z0-9]'", "''") }}) as name_key
    from {{ ref('stg_sage__vendors') }}
),

procore as (
    select
        vendor_id,
        vendor_name,
        origin_id,
        sage_vendor,
        link_rule,
        updated_at,
        lower({{ regex_replace_all('vendor_name', "'[^A-Za-z0-9]'", "''") }}) as name_key
    from {{ ref('int_vendors') }}
),

linked as (
    select distinct sage_vendor from procore where sage_vendor is not null
),

unlinked_sage as (
    select sage.*
    from sage
    where sage.vendor not in (select sage_vendor from linked)
),

-- unlinked Procore vendors by name; how many unlinked Sage vendors share each name
procore_names as (
    select
        procore.name_key,
        count(*) as procore_count,
        min(procore.vendor_id) as vendor_id
    from procore
    where procore.sage_vendor is null and procore.name_key <> ''
    group by procore.name_key
),

sage_names as (
    select name_key, count(*) as sage_count
    from unlinked_sage
    where name_key <> ''
    group by name_key
),

to_sage as (
    select
        unlinked_sage.vendor,
        unlinked_sage.name,
        unlinked_sage.address_1,
        unlinked_sage.city,
        unlinked_sage.state,
        unlinked_sage.zip,
        unlinked_sage.telephone,
        unlinked_sage.contact_1_email_address,
        unlinked_sage.status,
        coalesce(procore_names.procore_count, 0) as procore_count,
        coalesce(sage_names.sage_count, 0) as sage_count,
        case when procore_names.procore_count = 1 then procore_names.vendor_id end as matched_vendor_id
    from unlinked_sage
    left join procore_names on procore_names.name_key = unlinked_sage.name_key
    left join sage_names on sage_names.name_key = unlinked_sage.name_key
),

rows_by_sage as (
    select
        to_sage.vendor as sage_vendor,
        case when to_sage.procore_count = 0 then 'create' else 'name' end as match_rule,
        to_sage.matched_vendor_id as procore_vendor_id,
        matched.vendor_name as procore_name,
        matched.origin_id as procore_origin_id,
        matched.updated_at as procore_updated_at,
        to_sage.name,
        to_sage.address_1,
        to_sage.city,
        to_sage.state,
        to_sage.zip,
        to_sage.telephone,
        to_sage.contact_1_email_address,
        to_sage.status,
        to_sage.procore_count,
        to_sage.sage_count,
        cast(null as bigint) as holder_vendor_id
    from to_sage
    left join procore as matched on matched.vendor_id = to_sage.matched_vendor_id
),

rows_by_map as (
    select
        procore.sage_vendor,
        'vendor map' as match_rule,
        procore.vendor_id as procore_vendor_id,
        procore.vendor_name as procore_name,
        procore.origin_id as procore_origin_id,
        procore.updated_at as procore_updated_at,
        sage.name,
        sage.address_1,
        sage.city,
        sage.state,
        sage.zip,
        sage.telephone,
        sage.contact_1_email_address,
        sage.status,
        1 as procore_count,
        1 as sage_count,
        holder.vendor_id as holder_vendor_id
    from procore
    inner join sage on sage.vendor = procore.sage_vendor
    left join procore as holder
        on holder.origin_id = procore.sage_vendor and holder.vendor_id <> procore.vendor_id
    where procore.link_rule = 'vendor map' and procore.origin_id is null
),

candidates as (
    select * from rows_by_sage
    union all
    select * from rows_by_map
),

vendor_rows as (
    select
        candidates.*,
        -- a new vendor carries the Sage name and address; a link changes only the ERP fields
        case when candidates.match_rule = 'create' then candidates.name end as procore_vendor_name,
        {{ outbound_conditions([
            ['ambiguous_procore_vendor_name', "candidates.match_rule = 'name' and (candidates.procore_count > 1 or candidates.sage_count > 1)"],
            ['procore_vendor_linked_elsewhere', "candidates.match_rule = 'name' and candidates.procore_count = 1 and candidates.procore_origin_id is not null"],
            ['sage_vendor_linked_to_another_procore_vendor', 'candidates.holder_vendor_id is not null'],
        ]) }} as blocking_conditions,
        case
            when candidates.match_rule = 'name' and candidates.procore_count = 1 and candidates.sage_count = 1
                then 'Links Procore vendor ' || cast(candidates.procore_vendor_id as varchar)
                || ' ''' || coalesce(candidates.procore_name, '') || ''' to Sage vendor ' || candidates.sage_vendor
                || ' ''' || coalesce(candidates.name, '') || ''' by name: confirm they are the same company.'
            when candidates.match_rule = 'name'
                then cast(candidates.procore_count as varchar) || ' Procore vendor(s) and '
                || cast(candidates.sage_count as varchar) || ' unlinked Sage vendor(s) share the name of Sage vendor '
                || candidates.sage_vendor || ' ''' || coalesce(candidates.name, '')
                || ''': link the right pair through the vendor map.'
            when candidates.match_rule = 'create' and upper(coalesce(candidates.status, '')) in ('INACTIVE', 'I')
                then 'Sage vendor ' || candidates.sage_vendor || ' is inactive: created in Procore as inactive.'
        end as needs_approval_reason
    from candidates
),

keyed as (
    select
        {{ outbound_idempotency_key('procore_vendor', 'vendor_rows.sage_vendor', 'vendor_rows.procore_vendor_id', [
            'vendor_rows.match_rule', 'vendor_rows.procore_vendor_name', 'vendor_rows.address_1', 'vendor_rows.city',
            'vendor_rows.state', 'vendor_rows.zip', 'vendor_rows.telephone', 'vendor_rows.contact_1_email_address',
            'vendor_rows.status'
        ]) }} as idempotency_key,
        vendor_rows.*
    from vendor_rows
),

touches as (
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['*'], 'vendor', 'keyed.procore_vendor_id',
        except_types=['write_rejected', 'unmapped_vendor']) }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['write_rejected'], sage_key='keyed.sage_vendor',
        idempotency_key='keyed.idempotency_key') }}
),

blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    keyed.idempotency_key,
    'sage_vendor' as source_object,
    keyed.procore_vendor_id as source_id,
    cast(null as bigint) as project_id,
    'procore_vendor' as target_object,
    keyed.sage_vendor as sage_key,
    keyed.match_rule,
    keyed.procore_vendor_id,
    keyed.sage_vendor as origin_id,
    keyed.sage_vendor as origin_code,
    '{"sage_vendor":"' || keyed.sage_vendor || '","match":"' || keyed.match_rule || '"}' as origin_data,
    keyed.procore_vendor_name as name,
    case when keyed.match_rule = 'create' then keyed.address_1 end as address,
    case when keyed.match_rule = 'create' then keyed.city end as city,
    case when keyed.match_rule = 'create' and length(keyed.state) = 2 then upper(keyed.state) end as state_code,
    case when keyed.match_rule = 'create' then keyed.zip end as zip,
    case when keyed.match_rule = 'create' then 'US' end as country_code,
    case when keyed.match_rule = 'create' then keyed.telephone end as business_phone,
    case when keyed.match_rule = 'create' then keyed.contact_1_email_address end as email_address,
    case when keyed.match_rule = 'create'
        then upper(coalesce(keyed.status, '')) not in ('INACTIVE', 'I') end as is_active,
    keyed.name as sage_name,
    keyed.procore_name,
    keyed.procore_origin_id,
    keyed.holder_vendor_id as origin_holder_vendor_id,
    blockers.blocking_exception_ids,
    keyed.blocking_conditions,
    blockers.blocking_exception_ids is not null or keyed.blocking_conditions is not null as is_blocked,
    keyed.needs_approval_reason
from keyed
left join blockers on blockers.row_key = keyed.idempotency_key
