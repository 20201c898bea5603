-- Every exception found in this build, in one shape, with its stable id and a fingerprint
-- of its values. exception_id = md5(type | procore_id | sage_key | field): it identifies
-- WHAT is wrong, so a controller's resolution survives reruns; value_fingerprint =
-- md5(procore_value | sage_value): when the values move, a resolved exception reopens.
{%- set models = [
    'int_exceptions__unmapped_cost_code', 'int_exceptions__ambiguous_cost_code',
    'int_exceptions__invalid_sage_target', 'int_exceptions__unmapped_vendor',
    'int_exceptions__vendor_mismatch', 'int_exceptions__job_missing_in_sage',
    'int_exceptions__project_missing_in_procore', 'int_exceptions__commitment_missing_in_sage',
    'int_exceptions__subcontract_missing_in_procore', 'int_exceptions__commitment_amount_mismatch',
    'int_exceptions__commitment_line_mismatch', 'int_exceptions__change_orders',
    'int_exceptions__invoices', 'int_exceptions__retainage_mismatch',
    'int_exceptions__budget_mismatch', 'int_exceptions__schema_drift',
    'int_exceptions__write_rejected', 'int_exceptions__write_unconfirmed',
] %}
with unioned as (
    {%- for model in models %}
    select
        cast(exception_type as varchar) as exception_type,
        cast(project_id as bigint) as project_id,
        cast(job as varchar) as job,
        cast(procore_object as varchar) as procore_object,
        cast(procore_id as bigint) as procore_id,
        cast(sage_object as varchar) as sage_object,
        cast(sage_key as varchar) as sage_key,
        cast(field as varchar) as field,
        cast(procore_value as varchar) as procore_value,
        cast(sage_value as varchar) as sage_value,
        cast(message as varchar) as message
    from {{ ref(model) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select
    {{ stable_key(['unioned.exception_type', 'unioned.procore_id', 'unioned.sage_key', 'unioned.field']) }}
        as exception_id,
    unioned.*,
    types.severity,
    {{ stable_key(['unioned.procore_value', 'unioned.sage_value']) }} as value_fingerprint
from unioned
left join {{ ref('exception_types') }} as types on types.exception_type = unioned.exception_type
