-- Procore work order contract line items (the schedule of values).
{{ stg_procore_commitment_line_items('work_order') }}
