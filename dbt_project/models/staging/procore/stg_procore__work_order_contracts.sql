-- Procore work order contracts (commitments). Soft-deleted ones keep `deleted_at`.
{{ stg_procore_commitments('work_order') }}
