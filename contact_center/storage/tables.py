"""The tables (SQLAlchemy Core).

Core rather than the ORM: the hot paths (snapshot of 50,000 rows, change feed) read plain
tuples. Types are portable so the same code runs on SQLite and PostgreSQL; times are stored
as float UNIX seconds (UTC) to avoid SQLite's naive datetimes. Counters that grow with
traffic (feed seqs, call, session and audit ids, versions) are 64-bit on PostgreSQL, as
SQLite's INTEGER already is. The schema's history lives in
`contact_center/storage/migrations/` (Alembic): a change here needs a new revision there.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# 64-bit on PostgreSQL (BIGINT / BIGSERIAL); plain INTEGER on SQLite, so that a primary key
# stays the rowid alias and SQLite's DDL is unchanged.
BigInt = BigInteger().with_variant(Integer(), "sqlite")

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("first_name", String(100), nullable=False, default=""),
    Column("last_name", String(100), nullable=False, default=""),
    Column("email", String(254)),
    Column("extension", String(16), nullable=False),
    Column("phone_number", String(32)),
    Column("role", String(16), nullable=False),
    Column("desks", JSON, nullable=False),
    Column("skills", JSON, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("two_factor", Boolean, nullable=False, default=False),
    Column("totp_secret", String(64)),  # base32, as pyotp.random_base32() gives it
    Column("totp_pending", String(64)),  # an enrolment not confirmed yet (migration 0002)
    Column("backup_codes", JSON),  # sha-256 hex of each unused code
    Column("password_hash", String(255)),
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),
    Column("status_text", String(200)),
    Column("status_since", Float, nullable=False),
    Column("last_activity", Float),
    Column("version", BigInt, nullable=False, default=1),
    Column("changed_by", String(64)),
    Column("changed_at", Float),
    sqlite_autoincrement=True,
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("client", String(64), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    # "device" (a phone or softphone, the simulator's), "console" or "api" (a sign-in
    # through /auth/login, whose token links here); migration 0002.
    Column("kind", String(16), nullable=False, server_default="device"),
    Column("address", String(64)),
    Index("ix_sessions_user", "user_id"),
    sqlite_autoincrement=True,
)

# Call logs and recordings outlive the user: no foreign key, never deleted by a reset.
calls = Table(
    "calls",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("user_id", Integer, nullable=False),
    Column("direction", String(8), nullable=False),
    Column("peer", String(32), nullable=False),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float),
    Column("ended_by", String(32)),
    Column("recording", String(200)),
    Index("ix_calls_user", "user_id", "started_at"),
    Index(
        "ux_calls_one_live",
        "user_id",
        unique=True,
        sqlite_where=Column("ended_at").is_(None),
        postgresql_where=Column("ended_at").is_(None),
    ),
    sqlite_autoincrement=True,
)

voicemails = Table(
    "voicemails",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("box", String(8), nullable=False),  # new / saved / trash
    Column("caller", String(32), nullable=False),
    Column("received_at", Float, nullable=False),
    Index("ix_voicemails_user", "user_id"),
)

greetings = Table(
    "greetings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # standard / timeframe / name
    Column("label", String(100), nullable=False),
    Index("ix_greetings_user", "user_id"),
)

answering_rules = Table(
    "answering_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("is_default", Boolean, nullable=False, default=False),
    Column("action", String(200), nullable=False),
    Index("ix_rules_user", "user_id"),
)

# owner_id NULL means a shared contact: never touched by a user reset.
contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE")),
    Column("name", String(100), nullable=False),
    Column("number", String(32), nullable=False),
    Index("ix_contacts_owner", "owner_id"),
)

phone_numbers = Table(
    "phone_numbers",
    metadata,
    Column("number", String(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("state", String(16), nullable=False),  # assigned / available
    Index("ix_numbers_user", "user_id"),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("kind", String(16), nullable=False),  # physical / soft / mobile
    Column("mac", String(17)),
    Column("model", String(64), nullable=False),
    Index("ix_devices_user", "user_id"),
)

lines = Table(
    "lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("device_id", Integer, ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("extension", String(16), nullable=False),
    Index("ix_lines_user", "user_id"),
)

leads = Table(
    "leads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("name", String(100), nullable=False),
    Index("ix_leads_owner", "owner_id"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("at", Float, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target_id", Integer),
    Column("target_name", String(256)),  # first (100) + " " + last (100)
    Column("before", JSON),
    Column("after", JSON),
    Column("request_id", String(64)),
    Column("job_id", Integer),
    Index("ix_audit_target", "target_id", "id"),
    Index("ix_audit_at", "at"),
    sqlite_autoincrement=True,
)

# One row per change to a user; the feed cursor is `seq`. Commit order equals seq order
# because every writer takes the row lock on feed_state while it allocates a seq. An entry
# with user_id 0 (`journal.SETTINGS_ENTRY`; no user has id 0) is a change to the settings:
# it moves the cursor and wakes the long polls, whose answer then carries the new
# `settings_version` (migration 0004).
changes = Table(
    "changes",
    metadata,
    Column("seq", BigInt, primary_key=True, autoincrement=False),
    Column("user_id", Integer, nullable=False),
    Column("at", Float, nullable=False),
)

feed_state = Table(
    "feed_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInt, nullable=False),
    Column("floor", BigInt, nullable=False),  # cursors below this get 410
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    # Migration 0002: the session this sign-in made (ended with the token, and the token
    # with it), and who ended it when someone else did ("Alex Admin (admin)").
    Column("session_id", BigInt),
    Column("revoked_by", String(200)),
    Index("ix_tokens_user", "user_id"),
    Index("ix_tokens_session", "session_id"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("actor_id", Integer, primary_key=True, autoincrement=False),
    Column("key", String(128), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
)

bulk_jobs = Table(
    "bulk_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("action", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("params", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # queued / running / done / cancelled
    Column("total", Integer, nullable=False),
    Column("done", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("finished_at", Float),
    sqlite_autoincrement=True,
)

bulk_items = Table(
    "bulk_items",
    metadata,
    Column("job_id", Integer, ForeignKey("bulk_jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("user_id", Integer, nullable=False),
    Column("expected_version", BigInt),
    Column("name", String(256), nullable=False),
    Column("outcome", String(16), nullable=False),  # pending / done / skipped / failed
    Column("reason", String(500)),  # a conflict's reason names the user and two versions
)

# Emails to send, written in the transaction that decides them (a recycle's welcome email)
# and sent by a worker (domain/outbox.py) with retries: an SMTP server that is down loses
# nothing. `link` (the one-time welcome link) is kept only until the email is sent.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("kind", String(32), nullable=False),  # welcome
    Column("user_id", Integer),  # no foreign key: the record outlives the user
    Column("to_addr", String(254), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("link", String(1000)),
    Column("state", String(16), nullable=False),  # queued / sent / failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_error", String(500)),
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float),
    Index("ix_outbox_due", "state", "next_attempt_at"),
    sqlite_autoincrement=True,
)

# One-time welcome links (PUBLIC_URL/welcome/TOKEN): only the token's sha-256 is stored.
welcome_tokens = Table(
    "welcome_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
    Index("ix_welcome_tokens_user", "user_id"),
)

# Settings the consoles share (migration 0004), one row per name: "thresholds" (the time
# limits as last set, {kind: {"warn_s", "alert_s"}}; a kind missing there, or no row at
# all, has its default; no row is version 0). Its `version` is the feed's `settings_version`.
settings = Table(
    "settings",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("version", BigInt, nullable=False),
    Column("changed_by", String(64)),
    Column("changed_at", Float),
)

# Saved views of the console (migration 0004): a user's named layouts, `layout` stored as
# the console sent it. `name_key` is the name case-folded: names are unique per owner
# ignoring case. A user's views go with the user (deleted with them).
saved_views = Table(
    "saved_views",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(60), nullable=False),
    Column("name_key", String(240), nullable=False),  # casefold() may lengthen a name
    Column("shared", Boolean, nullable=False, default=False),
    Column("layout", JSON, nullable=False),
    Column("version", BigInt, nullable=False, default=1),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ux_saved_views_owner_name", "owner_id", "name_key", unique=True),
    sqlite_autoincrement=True,
)
