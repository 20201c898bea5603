{#- A timestamp with time zone as 'YYYY-MM-DD HH:MM UTC' for messages controllers read:
    the session's time zone must not change what an exception says (or its wording). -#}
{% macro timestamp_text(expr) %}{{ return(adapter.dispatch('timestamp_text', 'tieout')(expr)) }}{% endmacro %}

{% macro default__timestamp_text(expr) -%}
to_char({{ expr }} at time zone 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC'
{%- endmacro %}

{% macro duckdb__timestamp_text(expr) -%}
strftime({{ expr }} at time zone 'UTC', '%Y-%m-%d %H:%M') || ' UTC'
{%- endmacro %}
