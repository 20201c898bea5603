"""The writer stage: settings, auto-approval rules, batches, outbox, idempotency ledger,
write rejections.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Adds tables only (nothing existing changes). Money is kept as decimal text (SQLite has no
exact decimal type; text round-trips exactly on both backends). Every change to these
tables writes an `audit_log` row in the same transaction (writers/control/outbox_store.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
        sa.CheckConstraint(
            "key <> 'write_mode' OR value IN ('supervised', 'auto')",
            name=op.f("ck_settings_write_mode_known"),
        ),
    )
    op.create_table(
        "auto_approval_rules",
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("max_amount", sa.Text(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("object_type", name=op.f("pk_auto_approval_rules")),
    )
    op.create_table(
        "write_batches",
        sa.Column("id", ID, primary_key=True),
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("approved_at", TS, nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.Text(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_batches")),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'sending', 'done', 'failed')",
            name=op.f("ck_write_batches_status_known"),
        ),
    )
    op.create_index(op.f("ix_write_batches_status"), "write_batches", ["status"])
    op.create_table(
        "outbox",
        sa.Column("id", ID, primary_key=True),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("sage_key", sa.Text(), nullable=True),
        sa.Column("source_object", sa.Text(), nullable=True),
        sa.Column("source_id", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.Text(), nullable=True),
        sa.Column("needs_approval_reason", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("superseded_by", sa.Text(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["write_batches.id"], name=op.f("fk_outbox_batch_id_write_batches")
        ),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'in_flight', 'written', 'rejected', 'superseded')",
            name=op.f("ck_outbox_status_known"),
        ),
    )
    op.create_index(op.f("ix_outbox_status"), "outbox", ["status"])
    op.create_index(op.f("ix_outbox_batch_id"), "outbox", ["batch_id"])
    op.create_index(
        op.f("ix_outbox_object_type_source_object_source_id"),
        "outbox",
        ["object_type", "source_object", "source_id"],
    )
    op.create_table(
        "idempotency_ledger",
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("connector", sa.Text(), nullable=False),
        sa.Column("sage_key", sa.Text(), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=False),
        sa.Column("written_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_idempotency_ledger")),
    )
    op.create_table(
        "write_rejections",
        sa.Column("id", ID, primary_key=True),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("source_object", sa.Text(), nullable=True),
        sa.Column("source_id", sa.BigInteger(), nullable=True),
        sa.Column("sage_key", sa.Text(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=True),
        sa.Column("rejected_at", TS, nullable=False),
        sa.Column("superseded_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_rejections")),
        sa.UniqueConstraint(
            "idempotency_key", "rule", name=op.f("uq_write_rejections_idempotency_key_rule")
        ),
    )


def downgrade() -> None:
    for table in (
        "write_rejections",
        "idempotency_ledger",
        "outbox",
        "write_batches",
        "auto_approval_rules",
        "settings",
    ):
        op.drop_table(table)
