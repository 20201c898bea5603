{{ config(materialized='incremental', unique_key='exception_id', incremental_strategy='delete+insert',
          on_schema_change='append_new_columns') }}
-- Every exception any build has seen, kept across builds: when it was first and last seen
-- and its latest values. Exceptions that vanish keep their last row (last_seen_at stops
-- moving), which is how the queue knows they were fixed at the source.
with current_build as (
    select *, {{ build_time() }} as seen_at from {{ ref('int_exceptions') }}
)

{% if is_incremental() %}
, previous as (
    select exception_id, first_seen_at from {{ this }}
)
{% endif %}

select
    current_build.exception_id,
    current_build.exception_type,
    current_build.severity,
    current_build.project_id,
    current_build.job,
    current_build.procore_object,
    current_build.procore_id,
    current_build.sage_object,
    current_build.sage_key,
    current_build.field,
    current_build.procore_value,
    current_build.sage_value,
    current_build.message,
    current_build.value_fingerprint,
    {% if is_incremental() -%}
    coalesce(previous.first_seen_at, current_build.seen_at)
    {%- else -%}
    current_build.seen_at
    {%- endif %} as first_seen_at,
    current_build.seen_at as last_seen_at
from current_build
{% if is_incremental() -%}
left join previous on previous.exception_id = current_build.exception_id
{%- endif %}
