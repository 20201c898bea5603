{#- Cross-database helpers: the same project builds on DuckDB and PostgreSQL. -#}

{#- True when `value` matches the regular expression `pattern` (POSIX/RE2 subset). -#}
{% macro regex_match(value, pattern) %}{{ return(adapter.dispatch('regex_match', 'tieout')(value, pattern)) }}{% endmacro %}
{% macro default__regex_match(value, pattern) %}({{ value }} ~ {{ pattern }}){% endmacro %}
{% macro duckdb__regex_match(value, pattern) %}regexp_full_match({{ value }}, {{ pattern }}){% endmacro %}

{#- Replace every match of `pattern` (global). Back-references are written \1, \2 … -#}
{% macro regex_replace_all(value, pattern, replacement) %}regexp_replace({{ value }}, {{ pattern }}, {{ replacement }}, 'g'){% endmacro %}

{#- A stable text key from parts: md5 of the parts joined by '|', NULL parts as ''. -#}
{% macro stable_key(parts) -%}
  md5({% for p in parts %}coalesce(cast({{ p }} as varchar), ''){{ " || '|' || " if not loop.last }}{% endfor %})
{%- endmacro %}

{#- Money as text with two decimals, for messages and value columns. -#}
{% macro money_text(expr) %}cast(cast({{ expr }} as decimal(18,2)) as varchar){% endmacro %}

{#- The build's timestamp, identical in every model of one run. -#}
{% macro build_time() %}cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}+00' as timestamp with time zone){% endmacro %}

{#- Field status of a commitment pair for two money columns (recon_commitments). -#}
{% macro recon_money_status(left, right) -%}
    case
        when commitment_id is null then 'missing_in_procore'
        when sage_commitment is null then 'missing_in_sage'
        when abs(coalesce({{ left }}, 0) - coalesce({{ right }}, 0)) > {{ var('money_tolerance') }} then 'mismatch'
        else 'match'
    end
{%- endmacro %}
