-- Read-back: did the next Sage sync show each record the writer wrote? One row per ledger
-- row (stg_control__write_ledger). status, first that applies:
--   confirmed        the Sage row at sage_key proves the write (the rule below)
--   superseded       the Sage row carries the stamp of a LATER write of the same key (a
--                    newer estimate import replaced this one): nothing is missing
--   awaiting_sync    no Sage sync of that table started after written_at: too early to say
--   missing_in_sage  a later sync does not hold it (int_exceptions__write_unconfirmed)
--
-- Confirmation rule, per connector (dbt var `write_confirmation_by_connector`, connector →
-- rule; a connector not listed uses `stamp`, the strict rule):
--   stamp        the row at sage_key carries the key's idempotency stamp, the field the
--                connector writes it into (writers/connectors/test_company.py):
--                APM_MASTER__INVOICE.Invoice_Code_2 (the key's first 15 characters),
--                JCM_MASTER__COMMITMENT.Ref_1, JCM_MASTER__COMMITMENT_CO.Ref_1,
--                JCM_MASTER__CATEGORY.Ref_1 (32). A row there with another stamp, or none,
--                is not ours.
--   natural_key  a row exists at sage_key. For connectors that cannot stamp (the
--                `import_files` connector: Sage's own import posts the file, no reference
--                field survives), and for objects without a stamp field (vendors, AR
--                invoices). Weak for jc_estimates: the category line existed before the
--                estimate import, so it proves the line is there, not that the import
--                posted.
--   Procore write-back (object types procore_*, ProcoreConnector): `natural_key` on the
--   ERP link: a live Procore record of that kind carries origin_id = sage_key (origin_id is
--   unique per object type within a company, and it is what the write set), seen by a
--   Procore sync of vendors / work_order_contracts + purchase_order_contracts (the older
--   of the two) / direct_costs that started after the write. procore_cost_to_complete
--   (Advanced Forecasting rows carry no origin_id): a budget line mapped to the Sage
--   category at sage_key holds a manual forecast (budget_forecast not automatically
--   calculated, which is what the write sets) in a budget read (budget_views run) after the
--   write; the budget is read on its own cadence, so these wait longer in awaiting_sync.
--   Weak like jc_estimates: a project manager's own manual forecast passes too.
-- "Started after" is strict and the sync log keeps whole seconds, so a sync that began in
-- the same second as the write counts as not yet seen: awaiting, never a false alarm.
{%- set rules = var('write_confirmation_by_connector', {'import_files': 'natural_key'}) %}
with ledger as (
    select * from {{ ref('stg_control__write_ledger') }}
),

-- every Sage row a write can land on: object type, table, natural key, stamp field width
sage_rows as (
    select 'ap_invoices' as object_type, vendor || '|' || invoice as sage_key,
        invoice_code_2 as stamp, 15 as stamp_width
    from {{ ref('stg_sage__ap_invoices') }}
    union all
    select 'commitments', commitment, ref_1, 32
    from {{ ref('stg_sage__commitments') }}
    union all
    select 'commitment_change_orders', commitment || '|' || commitment_co, ref_1, 32
    from {{ ref('stg_sage__commitment_change_orders') }}
    union all
    select 'jc_estimates',
        job || '|' || coalesce(extra, '') || '|' || cost_code || '|' || category, ref_1, 32
    from {{ ref('stg_sage__job_categories') }}
    union all
    select 'vendors', vendor, cast(null as varchar), cast(null as integer)
    from {{ ref('stg_sage__vendors') }}
    union all
    select distinct 'ar_invoices', customer || '|' || invoice, cast(null as varchar),
        cast(null as integer)
    from {{ ref('stg_sage__ar_transactions') }}
    where invoice is not null
    union all
    -- Procore write-back: the ERP link the write set
    select distinct 'procore_vendors', origin_id, cast(null as varchar), cast(null as integer)
    from {{ ref('stg_procore__vendors') }}
    where origin_id is not null
    union all
    select distinct 'procore_commitment_links', origin_id, cast(null as varchar),
        cast(null as integer)
    from {{ ref('int_procore__commitments') }}
    where is_live and origin_id is not null
    union all
    select distinct 'procore_direct_costs', origin_id, cast(null as varchar),
        cast(null as integer)
    from {{ ref('stg_procore__direct_costs') }}
    where deleted_at is null and origin_id is not null
    union all
    select distinct 'procore_cost_to_complete', codings.sage_key, cast(null as varchar),
        cast(null as integer)
    from ({{ outbound_budget_codings() }}) as codings
    where codings.budget_row_id is not null and codings.coding_outcome = 'mapped'
        and codings.forecast_strategy = 'manual'
),

tables as (
    select * from (values
        ('ap_invoices', 'APM_MASTER__INVOICE', 15),
        ('commitments', 'JCM_MASTER__COMMITMENT', 32),
        ('commitment_change_orders', 'JCM_MASTER__COMMITMENT_CO', 32),
        ('jc_estimates', 'JCM_MASTER__CATEGORY', 32),
        ('vendors', 'APM_MASTER__VENDOR', null),
        ('ar_invoices', 'ART_CURRENT__TRANSACTION', null),
        ('procore_vendors', 'procore:vendors', null),
        ('procore_commitment_links', 'procore:commitments', null),
        ('procore_direct_costs', 'procore:direct_costs', null),
        ('procore_cost_to_complete', 'procore:budget_detail_rows', null)
    ) as t (object_type, sage_object, stamp_width)
),

procore_syncs as (
    select resource, max(started_at) as synced_at
    from {{ ref('stg_procore__sync_runs') }}
    where status = 'ok'
    group by resource
),

syncs as (
    -- the newest successful sync of each table the writes land in
    select resource as sage_object, max(started_at) as synced_at
    from {{ ref('stg_sage__sync_runs') }}
    where status = 'ok'
    group by resource
    union all
    select 'procore:' || resource, synced_at
    from procore_syncs
    where resource in ('vendors', 'direct_costs')
    union all
    -- a forecast is seen once the budget was read again: the budget_views run says so (the
    -- budget family is read on its own cadence; a skipped run is `skipped` there, while its
    -- budget_detail_rows child still reports ok)
    select 'procore:budget_detail_rows', synced_at
    from procore_syncs
    where resource = 'budget_views'
    union all
    -- a link is seen once both commitment lists were read again
    select 'procore:commitments', min(synced_at)
    from procore_syncs
    where resource in ('work_order_contracts', 'purchase_order_contracts')
    having count(*) = 2
),

checked as (
    select
        ledger.*,
        tables.sage_object,
        case
            {%- for connector, rule in rules.items() %}
            when ledger.connector = '{{ connector }}' then '{{ rule }}'
            {%- endfor %}
            when tables.stamp_width is null then 'natural_key'
            else 'stamp'
        end as confirmation_rule,
        left(ledger.idempotency_key, tables.stamp_width) as expected_stamp,
        sage_rows.sage_key is not null as sage_row_exists,
        sage_rows.stamp as sage_stamp,
        syncs.synced_at as latest_sage_sync_at
    from ledger
    left join tables on tables.object_type = ledger.object_type
    left join sage_rows
        on sage_rows.object_type = ledger.object_type
        and sage_rows.sage_key = ledger.sage_key
    left join syncs on syncs.sage_object = tables.sage_object
),

newer as (
    -- a later write of the same Sage row whose stamp the row now carries
    select checked.idempotency_key, min(later.idempotency_key) as superseded_by
    from checked
    inner join checked as later
        on later.object_type = checked.object_type
        and later.sage_key = checked.sage_key
        and later.written_at > checked.written_at
        and later.expected_stamp = checked.sage_stamp
    group by checked.idempotency_key
)

select
    checked.idempotency_key,
    checked.connector,
    checked.object_type,
    checked.source_object,
    checked.source_id,
    checked.project_id,
    checked.job,
    checked.sage_object,
    case when checked.object_type like 'procore\_%' escape '\' then 'Procore' else 'Sage'
        end as target_system,
    checked.sage_key,
    checked.receipt,
    checked.written_at,
    checked.confirmation_rule,
    checked.sage_row_exists,
    checked.sage_stamp,
    checked.latest_sage_sync_at,
    case
        when checked.sage_row_exists and (checked.confirmation_rule = 'natural_key'
            or checked.sage_stamp = checked.expected_stamp) then 'confirmed'
        when newer.superseded_by is not null then 'superseded'
        when checked.latest_sage_sync_at is null
            or checked.latest_sage_sync_at <= checked.written_at then 'awaiting_sync'
        else 'missing_in_sage'
    end as status,
    newer.superseded_by
from checked
left join newer on newer.idempotency_key = checked.idempotency_key
