-- A translation whose target is not on the Sage job chart: the cost code is not on the
-- job (extra), or the category is not valid for it. Once per (cost code, target).
with invalid as (
    select distinct project_id, job, cost_code_id, full_code, sage_extra, sage_cost_code,
        sage_category, sage_key, rule
    from {{ ref('int_cost_code_translation') }}
    where outcome = 'invalid_sage_target'
),

job_codes as (
    select job, extra, cost_code from {{ ref('stg_sage__job_cost_codes') }}
)

select
    'invalid_sage_target' as exception_type,
    invalid.project_id,
    invalid.job,
    'cost_code' as procore_object,
    invalid.cost_code_id as procore_id,
    'JCM_MASTER__CATEGORY' as sage_object,
    invalid.sage_key,
    'sage_target' as field,
    invalid.full_code as procore_value,
    invalid.sage_key as sage_value,
    'Procore cost code ''' || invalid.full_code || ''' translates (' || invalid.rule || ') to '
        || invalid.sage_key || ', but '
        || case
            when job_codes.cost_code is null
                then 'cost code ' || invalid.sage_cost_code || ' is not on job ' || invalid.job
                    || case when invalid.sage_extra <> '' then ' extra ' || invalid.sage_extra else '' end
            else 'category ' || invalid.sage_category || ' is not set up for cost code '
                || invalid.sage_cost_code || ' on job ' || invalid.job
        end || ': add it in Sage or map the code elsewhere.' as message
from invalid
left join job_codes
    on job_codes.job = invalid.job
    and job_codes.extra = invalid.sage_extra
    and job_codes.cost_code = invalid.sage_cost_code
