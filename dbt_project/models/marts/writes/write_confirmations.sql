-- Read-back of the writer's work for controllers and run monitoring: one row per record
-- tieout wrote to Sage, with whether the latest Sage sync holds it (confirmed |
-- superseded | awaiting_sync | missing_in_sage). The rules are in int_write_confirmations;
-- a missing_in_sage row is also a `write_rejected` exception (field `not_in_sage`).
select * from {{ ref('int_write_confirmations') }}
