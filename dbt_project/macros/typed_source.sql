{#-
  typed_source(source_name, table_name, columns)

  Selects a raw table with every listed column cast to its declared type and named in
  lower case. Why: dlt creates a column only once a non-null value has arrived and a table
  only once a row has, and Sage's names are mixed case (`Original_Estimate`). A young or
  small warehouse may therefore lack a column or a whole table. Here a missing column
  becomes a typed NULL and a missing table an empty result, so the staging contract
  (names and types) always holds and nothing downstream guesses.

  `columns` maps the raw column name to a tieout type (see tieout_type).
-#}
{% macro typed_source(source_name, table_name, columns) %}
  {%- set rel = source(source_name, table_name) -%}
  {%- set existing = {} -%}
  {%- set found = [] -%}
  {%- if execute -%}
    {%- set relation = adapter.get_relation(database=rel.database, schema=rel.schema, identifier=rel.identifier) -%}
    {%- if relation is not none -%}
      {%- do found.append(relation) -%}
      {%- for col in adapter.get_columns_in_relation(relation) -%}
        {%- do existing.update({col.name | lower: col.name}) -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endif -%}
  select
  {%- for name, type in columns.items() %}
    {% if name | lower in existing -%}
      cast({{ adapter.quote(existing[name | lower]) }} as {{ tieout_type(type) }})
    {%- else -%}
      cast(null as {{ tieout_type(type) }})
    {%- endif %} as {{ name | lower }}{{ "," if not loop.last }}
  {%- endfor %}
  {% if found -%}
  from {{ rel }}
  {%- else -%}
  where 1 = 0  /* {{ rel }} does not exist yet: nothing extracted */
  {%- endif %}
{% endmacro %}


{#- The few types the warehouse uses; money is always DECIMAL(18,2), never float. -#}
{% macro tieout_type(kind) %}
  {%- set types = {
    'text': 'varchar',
    'id': 'bigint',
    'int': 'bigint',
    'money': 'decimal(18,2)',
    'percent': 'decimal(9,4)',
    'quantity': 'decimal(18,4)',
    'date': 'date',
    'timestamp': 'timestamp with time zone',
    'bool': 'boolean',
  } -%}
  {%- if kind not in types -%}
    {{ exceptions.raise_compiler_error("typed_source: unknown type '" ~ kind ~ "'; use one of " ~ (types.keys() | join(', '))) }}
  {%- endif -%}
  {{ types[kind] }}
{%- endmacro %}
