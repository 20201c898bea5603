{#- Generic data tests used across the project (no package downloads needed). -#}

{#- No two rows share the combination of `columns` (a natural key). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as duplicates
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- Two money expressions agree within `tolerance` (a dbt var by default). Rows that
    differ are the failures, with both values, so finance sees which and by how much. -#}
{% test ties_out(model, left, right, tolerance=none, group_by=none) %}
{%- set tol = tolerance if tolerance is not none else var('money_tolerance') -%}
select {{ (group_by ~ ', ') if group_by else '' }}{{ left }} as left_value, {{ right }} as right_value,
       {{ left }} - {{ right }} as difference
from {{ model }}
where abs(coalesce({{ left }}, 0) - coalesce({{ right }}, 0)) > {{ tol }}
{% endtest %}
