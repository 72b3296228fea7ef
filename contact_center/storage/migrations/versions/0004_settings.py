"""Settings (issue 15): the time limits the consoles share, and saved views.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 09:00:00

No row is written: a database without a "thresholds" row has the default limits, version 0.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# 64-bit on PostgreSQL, INTEGER (the rowid alias for a primary key) on SQLite.
BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A SQLite file made by `create_all` before migrations existed is stamped 0001 even when
    # its tables came from newer code: create only what is missing.
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "settings" not in present:
        _settings()
    if "saved_views" not in present:
        _saved_views()


def _settings() -> None:
    op.create_table(
        "settings",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("version", BigInt, nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.Column("changed_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def _saved_views() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_key", sa.String(length=240), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("version", BigInt, nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ux_saved_views_owner_name", "saved_views", ["owner_id", "name_key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_saved_views_owner_name", table_name="saved_views")
    op.drop_table("saved_views")
    op.drop_table("settings")
