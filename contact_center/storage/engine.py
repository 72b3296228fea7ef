"""The SQLAlchemy engine for a database URL (SQLite file or PostgreSQL), and its quirks."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, Integer, create_engine, event

from contact_center.storage.tables import metadata


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL: a plain path is a SQLite file; PostgreSQL always goes via psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{url}"
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def make_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL or a plain SQLite file path."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=8
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def reset_sequences(conn: Connection) -> None:
    """Move PostgreSQL's id sequences past rows inserted with explicit ids (the seed does).

    SQLite's AUTOINCREMENT already continues after the largest id; a sequence does not.
    """
    if conn.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].autoincrement is False or not isinstance(pk[0].type, Integer):
            continue
        t, c = table.name, pk[0].name
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{t}', '{c}'), COALESCE(MAX({c}), 0) + 1, false) "
            f"FROM {t}"
        )
