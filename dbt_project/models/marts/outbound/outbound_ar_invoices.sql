-- Approved Procore owner payment applications with no Sage AR 'Issued invoice' for that
-- job and draw, as the Sage AR transaction tieout would record (ART_CURRENT__TRANSACTION):
-- Customer and Contract = the Sage prime contract on the job (the one Procore's prime
-- contract links to by origin_id, else the job's only contract), Invoice = invoice_number,
-- Draw = the application number, Transaction_Type 'Issued invoice', dated the billing date,
-- Description 'Pay app <n> <job>', Amount = work completed this period (change in completed
-- and stored to date), Retainage = retainage held this period (change in total retainage).
--
-- Held by (open blocking exceptions): job_missing_in_sage of its project; any about the
-- payment application itself (schema_drift, …); write_rejected of this version. Held by conditions: no (single)
-- Sage contract or customer for the job, invoice / draw key too long or the invoice number
-- already used by another AR transaction of the customer.
with applications as (
    select
        applications.*,
        cast(coalesce(applications.completed_and_stored_to_date, 0)
            - coalesce(lag(applications.completed_and_stored_to_date) over w, 0) as decimal(18,2)) as amount,
        cast(coalesce(applications.retainage_to_date, 0)
            - coalesce(lag(applications.retainage_to_date) over w, 0) as decimal(18,2)) as retainage
    from {{ ref('stg_procore__payment_applications') }} as applications
    window w as (
        partition by applications.project_id, applications.prime_contract_id
        order by applications.payment_application_number
    )
),

issued as (
    select job, draw, customer, invoice
    from {{ ref('stg_sage__ar_transactions') }}
    where transaction_type = 'Issued invoice'
),

candidates as (
    select applications.*, projects.job, projects.job_exists
    from applications
    left join {{ ref('int_projects') }} as projects on projects.project_id = applications.project_id
    where applications.status = 'approved'
        and not exists (
            select 1 from issued
            where issued.job = projects.job
                and issued.draw = cast(applications.payment_application_number as varchar)
        )
),

sage_contracts as (
    select contract, job, customer from {{ ref('stg_sage__contracts') }}
),

job_contracts as (
    select job, count(*) as contracts, min(contract) as contract
    from sage_contracts
    group by job
),

headers as (
    select
        candidates.payment_application_id,
        candidates.project_id,
        candidates.job,
        coalesce(linked.contract, case when job_contracts.contracts = 1 then job_contracts.contract end) as contract,
        job_contracts.contracts as sage_contracts_on_job,
        candidates.invoice_number as invoice,
        cast(candidates.payment_application_number as varchar) as draw,
        'Issued invoice' as transaction_type,
        candidates.billing_date as transaction_date,
        candidates.billing_date as accounting_date,
        {{ outbound_text("'Pay app ' || cast(candidates.payment_application_number as varchar) || ' ' || coalesce(candidates.job, '')", 30) }}
            as description,
        candidates.amount,
        candidates.retainage,
        cast(candidates.amount_this_period as decimal(18,2)) as procore_amount_this_period,
        candidates.prime_contract_id,
        candidates.job_exists,
        candidates.updated_at as source_updated_at
    from candidates
    left join {{ ref('stg_procore__prime_contracts') }} as prime_contracts
        on prime_contracts.prime_contract_id = candidates.prime_contract_id
    left join sage_contracts as linked
        on linked.contract = prime_contracts.origin_id
        and linked.job = candidates.job
    left join job_contracts on job_contracts.job = candidates.job
),

with_customer as (
    select
        headers.*,
        coalesce(contracts.customer, jobs.ar_customer) as customer,
        {{ outbound_conditions([
            ['sage_job_missing', 'not coalesce(headers.job_exists, false)'],
            ['sage_contract_missing', 'coalesce(headers.sage_contracts_on_job, 0) = 0'],
            ['several_sage_contracts_on_job', 'headers.contract is null and headers.sage_contracts_on_job > 1'],
            ['sage_customer_unknown', 'coalesce(contracts.customer, jobs.ar_customer) is null'],
            ['invoice_key_missing', "coalesce(headers.invoice, '') = ''"],
            ['invoice_key_too_long', 'length(headers.invoice) > 15'],
            ['draw_key_too_long', 'length(headers.draw) > 10'],
            ['invoice_key_taken_in_sage', 'taken.invoice is not null'],
            ['invoice_key_not_unique', 'count(*) over (partition by coalesce(contracts.customer, jobs.ar_customer), headers.invoice) > 1'],
            ['invoice_date_missing', 'headers.transaction_date is null'],
        ]) }} as blocking_conditions
    from headers
    left join sage_contracts as contracts on contracts.contract = headers.contract
    left join {{ ref('stg_sage__jobs') }} as jobs on jobs.job = headers.job
    left join (select distinct customer, invoice from {{ ref('stg_sage__ar_transactions') }}) as taken
        on taken.customer = coalesce(contracts.customer, jobs.ar_customer)
        and taken.invoice = headers.invoice
),

keyed as (
    select
        {{ outbound_idempotency_key('ar_invoice', 'with_customer.payment_application_id',
            "cast(with_customer.source_updated_at as varchar)", [
            'with_customer.customer', 'with_customer.invoice', 'with_customer.draw', 'with_customer.job',
            'with_customer.contract', 'with_customer.transaction_date', 'with_customer.description',
            'with_customer.amount', 'with_customer.retainage'
        ]) }} as idempotency_key,
        with_customer.*
    from with_customer
),

touches as (
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['job_missing_in_sage'], 'project', 'keyed.project_id') }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['*'], 'payment_application',
        'keyed.payment_application_id', except_types=['write_rejected']) }}
    union all
    {{ outbound_touch('keyed', 'keyed.idempotency_key', ['write_rejected'], 'payment_application',
        'keyed.payment_application_id', idempotency_key='keyed.idempotency_key') }}
),

blockers as (
    {{ outbound_blocking_ids('touches') }}
)

select
    keyed.idempotency_key,
    'payment_application' as source_object,
    keyed.payment_application_id as source_id,
    keyed.project_id,
    'ART_CURRENT__TRANSACTION' as target_object,
    cast(null as varchar) as import_record,
    keyed.customer || '|' || keyed.invoice as sage_key,
    keyed.customer,
    keyed.invoice,
    keyed.draw,
    keyed.job,
    keyed.contract,
    keyed.transaction_type,
    keyed.transaction_date,
    keyed.accounting_date,
    keyed.description,
    keyed.amount,
    keyed.retainage,
    keyed.procore_amount_this_period,
    keyed.prime_contract_id as procore_prime_contract_id,
    keyed.source_updated_at,
    blockers.blocking_exception_ids,
    keyed.blocking_conditions,
    blockers.blocking_exception_ids is not null or keyed.blocking_conditions is not null as is_blocked,
    case when keyed.amount <> keyed.procore_amount_this_period
        then 'Procore''s amount accrued this period (' || {{ money_text('keyed.procore_amount_this_period') }}
            || ') differs from the change in completed to date (' || {{ money_text('keyed.amount') }} || ').'
    end as needs_approval_reason
from keyed
left join blockers on blockers.row_key = keyed.idempotency_key
