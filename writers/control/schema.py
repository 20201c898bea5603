"""The control store's tables as SQLAlchemy Core objects, for the store API and for
checking that the migrations build exactly this schema.

The migrations in `migrations/versions/` are the source of truth for the database; they
are written out by hand (frozen) and never import this module, so changing a table here
without a new migration fails `tests/control/test_migrations.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

# Every constraint and index is named, so a later migration can drop or alter it by name
# (SQLite's batch mode rebuilds a table and needs the names).
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGSERIAL on PostgreSQL; INTEGER PRIMARY KEY (the rowid, autoincrementing) on SQLite.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware.

    SQLite keeps DATETIME as naive text, PostgreSQL as `timestamptz` in the session's
    zone; both read back as aware UTC datetimes so callers never compare naive and aware.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("control store timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData(naming_convention=NAMING)


def _stamps() -> list[sa.Column]:
    """Who created and last changed a mapping row, and when (UTC)."""
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
    ]


cost_code_overrides = sa.Table(
    "cost_code_overrides",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("job", sa.Text(), nullable=False),
    sa.Column("procore_cost_code", sa.Text(), nullable=False),
    sa.Column("sage_cost_code", sa.Text(), nullable=False),
    *_stamps(),
    sa.UniqueConstraint("job", "procore_cost_code"),
    sa.CheckConstraint("job <> ''", name="job_not_empty"),
    sa.CheckConstraint("procore_cost_code <> ''", name="procore_cost_code_not_empty"),
    sa.CheckConstraint("sage_cost_code <> ''", name="sage_cost_code_not_empty"),
)

cost_code_map = sa.Table(
    "cost_code_map",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("procore_cost_code", sa.Text(), nullable=False),
    sa.Column("job", sa.Text(), nullable=True),  # NULL = any job
    sa.Column("line_item_type", sa.Text(), nullable=True),  # NULL = any type
    sa.Column("sage_cost_code", sa.Text(), nullable=False),
    sa.Column("sage_category", sa.Text(), nullable=True),  # NULL = the line item type code
    sa.Column("note", sa.Text(), nullable=True),
    *_stamps(),
    sa.CheckConstraint("procore_cost_code <> ''", name="procore_cost_code_not_empty"),
    sa.CheckConstraint("sage_cost_code <> ''", name="sage_cost_code_not_empty"),
    sa.CheckConstraint("job IS NULL OR job <> ''", name="job_null_or_not_empty"),
    sa.CheckConstraint(
        "line_item_type IS NULL OR line_item_type <> ''", name="line_item_type_null_or_not_empty"
    ),
    sa.CheckConstraint(
        "sage_category IS NULL OR sage_category <> ''", name="sage_category_null_or_not_empty"
    ),
)
# Contradictory rows for one code are allowed (they are how `ambiguous_cost_code` arises),
# exact duplicates are not. NULL means "any", and NULLs are distinct in a plain UNIQUE, so
# the index compares coalesced values (empty strings are refused by the checks above).
sa.Index(
    "uq_cost_code_map_mapping",
    cost_code_map.c.procore_cost_code,
    sa.func.coalesce(cost_code_map.c.job, sa.literal_column("''")),
    sa.func.coalesce(cost_code_map.c.line_item_type, sa.literal_column("''")),
    cost_code_map.c.sage_cost_code,
    sa.func.coalesce(cost_code_map.c.sage_category, sa.literal_column("''")),
    unique=True,
)

job_prefix_rules = sa.Table(
    "job_prefix_rules",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("procore_prefix", sa.Text(), nullable=False),
    sa.Column("sage_prefix", sa.Text(), nullable=False),  # '' = drop the prefix
    *_stamps(),
    sa.UniqueConstraint("procore_prefix"),
    sa.CheckConstraint("procore_prefix <> ''", name="procore_prefix_not_empty"),
)

vendor_map = sa.Table(
    "vendor_map",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("procore_vendor_id", sa.BigInteger(), nullable=False),
    sa.Column("sage_vendor", sa.Text(), nullable=False),
    *_stamps(),
    sa.UniqueConstraint("procore_vendor_id"),
    sa.CheckConstraint("procore_vendor_id > 0", name="procore_vendor_id_positive"),
    sa.CheckConstraint("sage_vendor <> ''", name="sage_vendor_not_empty"),
)

mapping_history = sa.Table(
    "mapping_history",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("table_name", sa.Text(), nullable=False),
    sa.Column("row_id", sa.BigInteger(), nullable=False),
    sa.Column("action", sa.Text(), nullable=False),
    sa.Column("before", sa.Text(), nullable=True),  # JSON of the row, NULL on insert
    sa.Column("after", sa.Text(), nullable=True),  # JSON of the row, NULL on delete
    sa.Column("changed_by", sa.Text(), nullable=False),
    sa.Column("changed_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("action IN ('insert', 'update', 'delete')", name="action_known"),
    sa.Index(None, "table_name", "row_id"),
)

exception_resolutions = sa.Table(
    "exception_resolutions",
    metadata,
    sa.Column("exception_id", sa.Text(), primary_key=True),
    sa.Column("status", sa.Text(), nullable=False),
    sa.Column("value_fingerprint", sa.Text(), nullable=False),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("resolved_by", sa.Text(), nullable=False),
    sa.Column("resolved_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('resolved', 'ignored')", name="status_known"),
    sa.CheckConstraint("value_fingerprint <> ''", name="value_fingerprint_not_empty"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("actor", sa.Text(), nullable=False),
    sa.Column("action", sa.Text(), nullable=False),  # e.g. mapping.insert, exception.resolve
    sa.Column("object_type", sa.Text(), nullable=False),  # a table name
    sa.Column("object_key", sa.Text(), nullable=False),  # row id or exception id
    sa.Column("before", sa.Text(), nullable=True),
    sa.Column("after", sa.Text(), nullable=True),
    sa.Column("result", sa.Text(), nullable=False),  # ok (the writer adds rejected, …)
    sa.Index(None, "object_type", "object_key"),
    sa.Index(None, "at"),
)

# --- the writer stage (revision 0002) ------------------------------------------------
# Money is decimal text: SQLite has no exact decimal type, text round-trips exactly.

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.Text(), primary_key=True),
    sa.Column("value", sa.Text(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("updated_by", sa.Text(), nullable=False),
    sa.CheckConstraint(
        "key <> 'write_mode' OR value IN ('supervised', 'auto')", name="write_mode_known"
    ),
)

auto_approval_rules = sa.Table(
    "auto_approval_rules",
    metadata,
    sa.Column("object_type", sa.Text(), primary_key=True),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("max_amount", sa.Text(), nullable=True),  # NULL = any amount
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("updated_by", sa.Text(), nullable=False),
)

write_batches = sa.Table(
    "write_batches",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("object_type", sa.Text(), nullable=False),
    sa.Column("status", sa.Text(), nullable=False),
    sa.Column("created_by", sa.Text(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("approved_by", sa.Text(), nullable=True),
    sa.Column("approved_at", UTCDateTime(), nullable=True),
    sa.Column("row_count", sa.Integer(), nullable=False),
    sa.Column("total_amount", sa.Text(), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint(
        "status IN ('proposed', 'approved', 'sending', 'done', 'failed')", name="status_known"
    ),
    sa.Index(None, "status"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("idempotency_key", sa.Text(), nullable=False),
    sa.Column("batch_id", sa.BigInteger(), sa.ForeignKey("write_batches.id"), nullable=True),
    sa.Column("object_type", sa.Text(), nullable=False),
    sa.Column("sage_key", sa.Text(), nullable=True),
    sa.Column("source_object", sa.Text(), nullable=True),
    sa.Column("source_id", sa.BigInteger(), nullable=True),
    sa.Column("amount", sa.Text(), nullable=True),
    sa.Column("needs_approval_reason", sa.Text(), nullable=True),
    sa.Column("payload", sa.Text(), nullable=False),  # JSON: {"header": {...}, "lines": [...]}
    sa.Column("status", sa.Text(), nullable=False),
    sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("superseded_by", sa.Text(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("idempotency_key"),
    sa.CheckConstraint(
        "status IN ('pending', 'approved', 'in_flight', 'written', 'rejected', 'superseded')",
        name="status_known",
    ),
    sa.Index(None, "status"),
    sa.Index(None, "batch_id"),
    sa.Index(None, "object_type", "source_object", "source_id"),
)

idempotency_ledger = sa.Table(
    "idempotency_ledger",
    metadata,
    sa.Column("idempotency_key", sa.Text(), primary_key=True),
    sa.Column("connector", sa.Text(), nullable=False),
    sa.Column("sage_key", sa.Text(), nullable=True),
    sa.Column("receipt", sa.Text(), nullable=False),  # JSON of the connector's Receipt
    sa.Column("written_at", UTCDateTime(), nullable=False),
)

write_rejections = sa.Table(
    "write_rejections",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("idempotency_key", sa.Text(), nullable=False),
    sa.Column("object_type", sa.Text(), nullable=False),
    sa.Column("source_object", sa.Text(), nullable=True),
    sa.Column("source_id", sa.BigInteger(), nullable=True),
    sa.Column("sage_key", sa.Text(), nullable=True),
    sa.Column("rule", sa.Text(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("field", sa.Text(), nullable=True),
    sa.Column("rejected_at", UTCDateTime(), nullable=False),
    sa.Column("superseded_by", sa.Text(), nullable=True),  # the key of the corrected row
    sa.UniqueConstraint("idempotency_key", "rule"),
)

MAPPING_TABLES: dict[str, sa.Table] = {
    t.name: t for t in (cost_code_map, cost_code_overrides, job_prefix_rules, vendor_map)
}

# --- users and roles (revision 0003) ------------------------------------------------
# Who may approve writes, change mappings, resolve exceptions (writers/control/users.py).

USER_ROLES = ("admin", "controller", "accountant", "viewer")

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.Text(), primary_key=True),  # the actor name changes carry
    sa.Column("display_name", sa.Text(), nullable=True),
    sa.Column("role", sa.Text(), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    *_stamps(),
    sa.CheckConstraint(
        "role IN ('admin', 'controller', 'accountant', 'viewer')", name="role_known"
    ),
    sa.CheckConstraint("username <> ''", name="username_not_empty"),
    sa.Index(None, "role", "active"),
)
