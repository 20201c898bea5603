-- Procore vendors that a live commitment or a direct cost uses and that have no Sage vendor
-- (no ERP link, no vendor map row: `unmapped_vendor`), as proposed new Sage vendor records
-- (APM_MASTER__VENDOR). The proposed code follows the company's pattern: the first six
-- letters / digits of the name in capitals and the next free two-digit number (CORNER01).
-- A proposal, never a match: every row needs a controller's approval (confirm the vendor is
-- not already in Sage under another code; similar Sage names are listed). Once created, the
-- Procore vendor must be linked (vendor map row or origin_id) so the unmapped_vendor
-- exception closes. The row's own unmapped_vendor exception does not hold it (it is what the
-- row resolves).
--
-- Held by (open blocking exceptions): any about the vendor record (schema_drift, …) except
-- its unmapped_vendor; write_rejected of this version. Held by conditions: no code can be formed, the code is taken.
with used as (
    select
        vendor_id,
        max(case when source = 'subcontract' then 1 else 0 end) = 1 as used_by_subcontract,
        count(*) as uses
    from (
        select vendor_id, commitment_kind as source
        from {{ ref('int_procore__commitments') }}
        where is_live
        union all
        select vendor_id, 'direct_cost' as source
        from {{ ref('stg_procore__direct_costs') }}
        where deleted_at is null
    ) as uses
    where vendor_id is not null
    group by vendor_id
),

candidates as (
    select
        vendors.*,
        used.used_by_subcontract,
        used.uses,
        upper(left({{ regex_replace_all('vendors.vendor_name', "'[^A-Za-z0-9]'", "''") }}, 6)) as code_prefix,
        lower({{ regex_replace_all('vendors.vendor_name', "'[^A-Za-z0-9]'", "''") }}) as name_key
    from {{ ref('int_vendors') }} as vendors
    inner join used on used.vendor_id = vendors.vendor_id
    where vendors.sage_vendor is null
),

sage_vendors as (
    select
        vendor,
        name,
        lower({{ regex_replace_all('name', "'[^A-Za-z0-9]'", "''") }}) as name_key
    from {{ ref('stg_sage__vendors') }}
),

last_numbers as (
    select
        prefixes.code_prefix,
        max(case when {{ regex_match('substring(sage_vendors.vendor, length(prefixes.code_prefix) + 1)', "'^[0-9]{1,4}$'") }}
            then cast(substring(sage_vendors.vendor, length(prefixes.code_prefix) + 1) as integer) end) as last_number
    from (select distinct code_prefix from candidates where code_prefix <> '') as prefixes
    inner join sage_vendors on left(sage_vendors.vendor, length(prefixes.code_prefix)) = prefixes.code_prefix
    group by prefixes.code_prefix
),

numbered as (
    select
        candidates.*,
        coalesce(last_numbers.last_number, 0) + row_number() over (
            partition by candidates.code_prefix order by candidates.vendor_id
        ) as code_number
    from candidates
    left join last_numbers on last_numbers.code_prefix = candidates.code_prefix
),

proposed as (
    select
        numbered.*,
        case when numbered.code_prefix <> '' then numbered.code_prefix
            || case when numbered.code_number < 10 then '0' else '' end || cast(numbered.code_number as varchar)
        end as vendor
    from numbered
),

similar_names as (
    select proposed.vendor_id, string_agg(sage_vendors.vendor, ', ' order by sage_vendors.vendor) as similar_sage_vendors
    from proposed
    inner join sage_vendors
        on sage_vendors.name_key = proposed.name_key
        or (length(sage_vendors.name_key) >= 6 and length(proposed.name_key) >= 6
            and (left(proposed.name_key, length(sage_vendors.name_key)) = sage_vendors.name_key
                or left(sage_vendors.name_key, length(proposed.name_key)) = proposed.name_key))
    group by proposed.vendor_id
),

vendor_rows as (
    select
        proposed.vendor_id,
        proposed.vendor,
        {{ outbound_text('proposed.vendor_name', 30) }} as name,
        case when proposed.used_by_subcontract then 'Sub' else 'Supplier' end as type,
        {{ outbound_text('proposed.address', 30) }} as address_1,
        {{ outbound_text('proposed.city', 20) }} as city,
        case when length(proposed.state_code) <= 4 then proposed.state_code end as state,
        case when length(proposed.zip) <= 10 then proposed.zip end as zip,
        case when length(proposed.business_phone) <= 14 then proposed.business_phone end as telephone,
        case when length(proposed.email_address) <= 60 then proposed.email_address end as contact_1_email_address,
        proposed.vendor_name as procore_name,
        proposed.is_active as procore_is_active,
        proposed.uses,
        similar_names.similar_sage_vendors,
        proposed.updated_at as source_updated_at,
        {{ outbound_conditions([
            ['vendor_code_unassignable', 'proposed.vendor is null'],
            ['vendor_key_too_long', 'length(proposed.vendor) > 10'],
            ['vendor_key_taken_in_sage', 'taken.vendor is not null'],
        ]) }} as blocking_conditions,
        rtrim('New Sage vendor ' || coalesce(proposed.vendor, '?') || ' for Procore vendor '''
            || coalesce(proposed.vendor_name, '') || ''': confirm it is not already in Sage under another code.'
            || case when similar_names.similar_sage_vendors is not null
                then ' Sage vendors with a similar name: ' || similar_names.similar_sage_vendors || '.' else '' end
            || case when not proposed.is_active then ' The Procore vendor is inactive.' else '' end
            || case when length(proposed.state_code) > 4 or length(proposed.zip) > 10
                    or length(proposed.business_phone) > 14 or length(proposed.email_address) > 60
                then ' State, ZIP, telephone or e-mail too long for Sage: left empty.' else '' end
        ) as needs_approval_reason
    from proposed
    left join similar_names on similar_names.vendor_id = proposed.vendor_id
    left join sage_vendors as taken on taken.vendor = proposed.vendor
),

keyed as (
    select
        {{ outbound_idempotency_key('vendor', 'vendor_rows.vendor_id', outbound_epoch('vendor_rows.source_updated_at'), [
            'vendor_rows.vendor', 'vendor_rows.name', 'vendor_rows.type', 'vendor_rows.address_1', 'vendor_rows.city', 'vendor_rows.state', 'vendor_rows.zip',
            'vendor_rows.telephone', 'vendor_rows.contact_1_email_address'
        ]) }} as idempotency_key,
        vendor_rows.*
    from vendor_rows
),

touches as (
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['*'], 'vendor', 'keyed.vendor_id',
        except_types=['write_rejected', 'unmapped_vendor']) }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['write_rejected'], 'vendor', 'keyed.vendor_id',
        idempotency_key='keyed.idempotency_key') }}
),

blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    keyed.idempotency_key,
    'vendor' as source_object,
    keyed.vendor_id as source_id,
    cast(null as bigint) as project_id,
    'APM_MASTER__VENDOR' as target_object,
    cast(null as varchar) as import_record,
    keyed.vendor as sage_key,
    keyed.vendor,
    keyed.name,
    keyed.type,
    keyed.address_1,
    keyed.city,
    keyed.state,
    keyed.zip,
    keyed.telephone,
    keyed.contact_1_email_address,
    keyed.procore_name,
    keyed.procore_is_active,
    keyed.uses as procore_uses,
    keyed.similar_sage_vendors,
    keyed.source_updated_at,
    blockers.blocking_exception_ids,
    keyed.blocking_conditions,
    blockers.blocking_exception_ids is not null or keyed.blocking_conditions is not null as is_blocked,
    keyed.needs_approval_reason
from keyed
left join blockers on blockers.row_key = keyed.idempotency_key
