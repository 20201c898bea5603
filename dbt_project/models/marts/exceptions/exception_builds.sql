{{ config(materialized='incremental', unique_key='built_at', incremental_strategy='delete+insert') }}
-- One row per build of the exception models: when, and how many exceptions it found.
-- The queue needs it to tell "the latest build found nothing" (every earlier exception
-- is then fixed at the source) from "no build yet".
select
    {{ build_time() }} as built_at,
    count(*) as exceptions_found
from {{ ref('int_exceptions') }}
