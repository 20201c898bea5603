-- Procore purchase order contracts (commitments). Soft-deleted ones keep `deleted_at`.
{{ stg_procore_commitments('purchase_order') }}
