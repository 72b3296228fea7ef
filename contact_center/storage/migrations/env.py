"""Alembic environment: runs on the connection `contact_center.storage.migrate` hands over.

Used programmatically (`Store` at start, `contact-center migrate`); with the `alembic` command
line, set `sqlalchemy.url` in an alembic.ini whose script_location points here.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from contact_center.storage.engine import make_engine
from contact_center.storage.tables import metadata

# On PostgreSQL, instances starting together take turns: the second sees the new revision.
MIGRATION_LOCK = 0x636F6E7461637463  # "contactc"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: run them on a database.")
run()
