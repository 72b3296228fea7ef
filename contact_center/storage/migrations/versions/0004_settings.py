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


def downgrade() -> None:
    op.drop_table("settings")
