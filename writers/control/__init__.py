"""The control store: what humans change while pipelines run (mappings and their history,
exception resolutions, the audit log, users and roles) and the writer stage's state
(settings, approval rules, batches, outbox, idempotency ledger, rejections, lease).

SQLite under TIEOUT_HOME by default, PostgreSQL via TIEOUT_CONTROL_URL; opening it
migrates it (Alembic, `migrations/`). dbt reads a copy: `pipelines/control` snapshots the
tables into the warehouse schema `raw_control`. See README.md.
"""

from __future__ import annotations

from writers.control.engine import URL_ENV, default_url, resolve_url
from writers.control.errors import (
    ControlNotFoundError,
    ControlPermissionError,
    ControlStoreError,
    ControlValidationError,
)
from writers.control.migrate import alembic_config, current_revision, head
from writers.control.store import (
    MAPPINGS,
    RESOLUTION_STATUSES,
    SEED_ACTOR,
    SEED_FILES,
    ControlStore,
    Resolution,
    Row,
    SeedReport,
    SeedTableResult,
)

__all__ = [
    "MAPPINGS",
    "RESOLUTION_STATUSES",
    "SEED_ACTOR",
    "SEED_FILES",
    "URL_ENV",
    "ControlNotFoundError",
    "ControlPermissionError",
    "ControlStore",
    "ControlStoreError",
    "ControlValidationError",
    "Resolution",
    "Row",
    "SeedReport",
    "SeedTableResult",
    "alembic_config",
    "current_revision",
    "default_url",
    "head",
    "resolve_url",
]
