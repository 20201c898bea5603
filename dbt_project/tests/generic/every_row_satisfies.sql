{#- Every row satisfies `condition` (a SQL boolean expression over the model's columns;
    usable on a model or a column, the column is not used).
    The failing rows are returned whole, so a stored failure shows which ones. A row where
    the condition is NULL fails too: an unknown is not a pass. -#}
{% test every_row_satisfies(model, condition, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ condition }}), false)
{% endtest %}
