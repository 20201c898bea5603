{#- Date arithmetic that builds on DuckDB and PostgreSQL alike. -#}

{#- Whole calendar days from `start` to `end` (dates or timestamps; timestamps count by
    their date, so 23:59 → 00:01 the next day is 1). Negative when `end` is earlier.
    NULL when either side is NULL. -#}
{% macro days_between(start, end) %}{{ return(adapter.dispatch('days_between', 'tieout')(start, end)) }}{% endmacro %}

{% macro default__days_between(start, end) -%}
    (cast({{ end }} as date) - cast({{ start }} as date))
{%- endmacro %}

{% macro duckdb__days_between(start, end) -%}
    date_diff('day', cast({{ start }} as date), cast({{ end }} as date))
{%- endmacro %}
