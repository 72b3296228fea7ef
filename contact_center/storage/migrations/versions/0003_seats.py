"""Seats (issue 14): the outbox of emails to send, and the one-time welcome links.

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 07:00:00

`down_revision` is the head of this branch's tree; on merging with the accounts branch
(0002) it is re-pointed at 0002.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# 64-bit on PostgreSQL, INTEGER (the rowid alias for a primary key) on SQLite.
BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A SQLite file made by `create_all` before migrations existed is stamped 0001 even when
    # its tables came from newer code: create only what is missing.
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "outbox" not in present:
        _outbox()
    if "welcome_tokens" not in present:
        _welcome_tokens()


def _outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", BigInt, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("to_addr", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=1000), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("sent_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"], unique=False)


def _welcome_tokens() -> None:
    op.create_table(
        "welcome_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_welcome_tokens_user", "welcome_tokens", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_welcome_tokens_user", table_name="welcome_tokens")
    op.drop_table("welcome_tokens")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
