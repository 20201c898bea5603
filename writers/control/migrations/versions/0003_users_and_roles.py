"""Users and roles: who may approve writes, change mappings and resolve exceptions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

Adds one table (nothing existing changes, so no data can be lost and no batch copy is
needed on SQLite). A store without an active admin enforces nothing (the bootstrap rule in
writers/control/users.py), so upgrading an existing store changes no one's rights until
the first `tieout users add NAME --role admin`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_users")),
        sa.CheckConstraint(
            "role IN ('admin', 'controller', 'accountant', 'viewer')",
            name=op.f("ck_users_role_known"),
        ),
        sa.CheckConstraint("username <> ''", name=op.f("ck_users_username_not_empty")),
    )
    op.create_index(op.f("ix_users_role_active"), "users", ["role", "active"])


def downgrade() -> None:
    op.drop_index(op.f("ix_users_role_active"), table_name="users")
    op.drop_table("users")
