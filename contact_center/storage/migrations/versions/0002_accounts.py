"""Accounts (issue 13): sign-ins are sessions, TOTP enrolment, who ended a sign-in.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 07:00:00

- sessions.kind ("device" for the existing rows: the simulator's phones and softphones;
  "console" or "api" for a sign-in) and sessions.address (the client's address);
- api_tokens.session_id (the session a sign-in made) and api_tokens.revoked_by (who
  signed the user out, when someone else did);
- users.totp_pending (a TOTP secret given at enrolment, not confirmed yet).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# 64-bit on PostgreSQL, INTEGER on SQLite (as in 0001).
BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A SQLite file made by `create_all` before migrations existed is stamped 0001 (see
    # storage/migrate.py) but may already have a newer tables.py's columns: add what lacks.
    inspector = sa.inspect(op.get_bind())

    def missing(table: str, column: str) -> bool:
        return column not in {c["name"] for c in inspector.get_columns(table)}

    if missing("sessions", "kind"):
        op.add_column(
            "sessions",
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="device"),
        )
    if missing("sessions", "address"):
        op.add_column("sessions", sa.Column("address", sa.String(length=64), nullable=True))
    if missing("api_tokens", "session_id"):
        op.add_column("api_tokens", sa.Column("session_id", BigInt, nullable=True))
    if missing("api_tokens", "revoked_by"):
        op.add_column("api_tokens", sa.Column("revoked_by", sa.String(length=200), nullable=True))
    if "ix_tokens_session" not in {i["name"] for i in inspector.get_indexes("api_tokens")}:
        op.create_index("ix_tokens_session", "api_tokens", ["session_id"], unique=False)
    if missing("users", "totp_pending"):
        op.add_column("users", sa.Column("totp_pending", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_pending")
    op.drop_index("ix_tokens_session", table_name="api_tokens")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_by")
        batch.drop_column("session_id")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("address")
        batch.drop_column("kind")
