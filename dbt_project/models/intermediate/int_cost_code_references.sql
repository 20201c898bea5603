-- Every (project, leaf cost code, line item type) that carries money in Procore: budget
-- rows, commitment lines and direct cost lines. These are the combinations the
-- translation must place on the Sage job chart.
with line_item_types as (
    select * from {{ ref('stg_procore__line_item_types') }}
),

budget as (
    select budget.project_id, budget.cost_code_id, lit.line_item_type_code, 'budget' as used_by
    from {{ ref('stg_procore__budget_detail_rows') }} as budget
    inner join line_item_types as lit on lit.line_item_type_id = budget.line_item_type_id
),

commitment_lines as (
    select project_id, cost_code_id, line_item_type_code, 'commitment' as used_by
    from {{ ref('int_procore__commitment_lines') }}
),

direct_cost_lines as (
    select project_id, cost_code_id, line_item_type_code, 'direct cost' as used_by
    from {{ ref('stg_procore__direct_cost_line_items') }}
),

uses as (
    select * from budget
    union all
    select * from commitment_lines
    union all
    select * from direct_cost_lines
)

select
    project_id,
    cost_code_id,
    line_item_type_code,
    string_agg(distinct used_by, ', ') as used_by
from uses
where cost_code_id is not null and line_item_type_code is not null
group by project_id, cost_code_id, line_item_type_code
