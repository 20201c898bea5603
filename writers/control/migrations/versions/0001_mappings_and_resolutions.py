"""Mappings, their history, exception resolutions and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

The first slice of the control store. Later revisions (outbox, approvals, idempotency
ledger, users) add tables next to these; `audit_log` is shared by all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "cost_code_overrides",
        sa.Column("id", ID, primary_key=True),
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("procore_cost_code", sa.Text(), nullable=False),
        sa.Column("sage_cost_code", sa.Text(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_code_overrides")),
        sa.UniqueConstraint(
            "job", "procore_cost_code", name=op.f("uq_cost_code_overrides_job_procore_cost_code")
        ),
        sa.CheckConstraint("job <> ''", name=op.f("ck_cost_code_overrides_job_not_empty")),
        sa.CheckConstraint(
            "procore_cost_code <> ''",
            name=op.f("ck_cost_code_overrides_procore_cost_code_not_empty"),
        ),
        sa.CheckConstraint(
            "sage_cost_code <> ''", name=op.f("ck_cost_code_overrides_sage_cost_code_not_empty")
        ),
    )
    op.create_table(
        "cost_code_map",
        sa.Column("id", ID, primary_key=True),
        sa.Column("procore_cost_code", sa.Text(), nullable=False),
        sa.Column("job", sa.Text(), nullable=True),
        sa.Column("line_item_type", sa.Text(), nullable=True),
        sa.Column("sage_cost_code", sa.Text(), nullable=False),
        sa.Column("sage_category", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_code_map")),
        sa.CheckConstraint(
            "procore_cost_code <> ''", name=op.f("ck_cost_code_map_procore_cost_code_not_empty")
        ),
        sa.CheckConstraint(
            "sage_cost_code <> ''", name=op.f("ck_cost_code_map_sage_cost_code_not_empty")
        ),
        sa.CheckConstraint(
            "job IS NULL OR job <> ''", name=op.f("ck_cost_code_map_job_null_or_not_empty")
        ),
        sa.CheckConstraint(
            "line_item_type IS NULL OR line_item_type <> ''",
            name=op.f("ck_cost_code_map_line_item_type_null_or_not_empty"),
        ),
        sa.CheckConstraint(
            "sage_category IS NULL OR sage_category <> ''",
            name=op.f("ck_cost_code_map_sage_category_null_or_not_empty"),
        ),
    )
    op.create_index(
        op.f("uq_cost_code_map_mapping"),
        "cost_code_map",
        [
            sa.text("procore_cost_code"),
            sa.text("coalesce(job, '')"),
            sa.text("coalesce(line_item_type, '')"),
            sa.text("sage_cost_code"),
            sa.text("coalesce(sage_category, '')"),
        ],
        unique=True,
    )
    op.create_table(
        "job_prefix_rules",
        sa.Column("id", ID, primary_key=True),
        sa.Column("procore_prefix", sa.Text(), nullable=False),
        sa.Column("sage_prefix", sa.Text(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_prefix_rules")),
        sa.UniqueConstraint("procore_prefix", name=op.f("uq_job_prefix_rules_procore_prefix")),
        sa.CheckConstraint(
            "procore_prefix <> ''", name=op.f("ck_job_prefix_rules_procore_prefix_not_empty")
        ),
    )
    op.create_table(
        "vendor_map",
        sa.Column("id", ID, primary_key=True),
        sa.Column("procore_vendor_id", sa.BigInteger(), nullable=False),
        sa.Column("sage_vendor", sa.Text(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_map")),
        sa.UniqueConstraint("procore_vendor_id", name=op.f("uq_vendor_map_procore_vendor_id")),
        sa.CheckConstraint(
            "procore_vendor_id > 0", name=op.f("ck_vendor_map_procore_vendor_id_positive")
        ),
        sa.CheckConstraint("sage_vendor <> ''", name=op.f("ck_vendor_map_sage_vendor_not_empty")),
    )
    op.create_table(
        "mapping_history",
        sa.Column("id", ID, primary_key=True),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_history")),
        sa.CheckConstraint(
            "action IN ('insert', 'update', 'delete')", name=op.f("ck_mapping_history_action_known")
        ),
    )
    op.create_index(
        op.f("ix_mapping_history_table_name_row_id"), "mapping_history", ["table_name", "row_id"]
    )
    op.create_table(
        "exception_resolutions",
        sa.Column("exception_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("value_fingerprint", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("exception_id", name=op.f("pk_exception_resolutions")),
        sa.CheckConstraint(
            "status IN ('resolved', 'ignored')", name=op.f("ck_exception_resolutions_status_known")
        ),
        sa.CheckConstraint(
            "value_fingerprint <> ''",
            name=op.f("ck_exception_resolutions_value_fingerprint_not_empty"),
        ),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", ID, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("object_key", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        op.f("ix_audit_log_object_type_object_key"), "audit_log", ["object_type", "object_key"]
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "exception_resolutions",
        "mapping_history",
        "vendor_map",
        "job_prefix_rules",
        "cost_code_map",
        "cost_code_overrides",
    ):
        op.drop_table(table)
