"""The control tables dbt reads, and their warehouse columns.

Column hints type every column even when a table is empty (an empty store still gives
dbt tables with the right columns) and keep NULLs as NULL (`job` NULL = any job).
"""

from __future__ import annotations

from typing import Any

TEXT = "text"
BIGINT = "bigint"
TIMESTAMPTZ = "timestamp"  # dlt's timestamp is timezone-aware: TIMESTAMP WITH TIME ZONE

_ID = {"id": BIGINT}
_UPDATED = {"updated_at": TIMESTAMPTZ}

# table → column → dlt data type, in warehouse column order
CONTROL_TABLES: dict[str, dict[str, str]] = {
    "cost_code_overrides": {
        **_ID,
        "job": TEXT,
        "procore_cost_code": TEXT,
        "sage_cost_code": TEXT,
        **_UPDATED,
    },
    "cost_code_map": {
        **_ID,
        "procore_cost_code": TEXT,
        "job": TEXT,
        "line_item_type": TEXT,
        "sage_cost_code": TEXT,
        "sage_category": TEXT,
        **_UPDATED,
    },
    "job_prefix_rules": {**_ID, "procore_prefix": TEXT, "sage_prefix": TEXT, **_UPDATED},
    "vendor_map": {**_ID, "procore_vendor_id": BIGINT, "sage_vendor": TEXT, **_UPDATED},
    "exception_resolutions": {
        "exception_id": TEXT,
        "status": TEXT,
        "value_fingerprint": TEXT,
        "note": TEXT,
        "resolved_by": TEXT,
        "resolved_at": TIMESTAMPTZ,
    },
    # Sage's refusals of written rows (the writer); superseded_by NULL = still open
    "write_rejections": {
        **_ID,
        "idempotency_key": TEXT,
        "object_type": TEXT,
        "source_object": TEXT,
        "source_id": BIGINT,
        "sage_key": TEXT,
        "rule": TEXT,
        "reason": TEXT,
        "field": TEXT,
        "rejected_at": TIMESTAMPTZ,
        "superseded_by": TEXT,
        "project_id": BIGINT,
        "job": TEXT,
    },
    # What the writer wrote (idempotency_ledger, with its outbox row's object and source;
    # project_id / job from the approved payload): the next Sage sync must show each row
    "write_ledger": {
        "idempotency_key": TEXT,
        "connector": TEXT,
        "object_type": TEXT,
        "source_object": TEXT,
        "source_id": BIGINT,
        "sage_key": TEXT,
        "project_id": BIGINT,
        "job": TEXT,
        "receipt": TEXT,
        "written_at": TIMESTAMPTZ,
    },
}

_KEYS = {"exception_resolutions": "exception_id", "write_ledger": "idempotency_key"}
PRIMARY_KEYS: dict[str, str] = {name: _KEYS.get(name, "id") for name in CONTROL_TABLES}


def column_hints(table: str) -> dict[str, dict[str, Any]]:
    """dlt column hints for one table (a fresh dict per call: dlt writes into hints)."""
    key = PRIMARY_KEYS[table]
    return {
        name: {"data_type": data_type, "nullable": name != key, "primary_key": name == key}
        for name, data_type in CONTROL_TABLES[table].items()
    }
