"""Transactions: every write goes through `Store.write()`, every read through `Store.read()`.

`write()` numbers the transaction's change-journal entries just before its commit
(`journal.py`) and tells the commit listeners after it. On PostgreSQL the same transaction
sends a NOTIFY on `NOTIFY_CHANNEL`, delivered on commit, which a listener thread in every
other instance turns into a local wake-up (`contact_center.feed.pglisten`).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from contact_center.storage import journal
from contact_center.storage.engine import make_engine
from contact_center.storage.migrate import ensure_schema

NOTIFY_CHANNEL = "contact_center_changes"


class Store:
    """Owns the engine; serialises SQLite writers; tells listeners after each commit."""

    def __init__(self, url: str, *, retain_changes: int = 200_000) -> None:
        self.engine: Engine = make_engine(url)
        self.retain_changes = retain_changes
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.is_postgres = self.engine.dialect.name == "postgresql"
        # Tells this instance's own NOTIFYs from other instances'.
        self.instance_id = uuid.uuid4().hex[:16]
        # SQLite allows one writer; queueing here beats "database is locked" retries.
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if self.is_sqlite else contextlib.nullcontext()
        )
        self._listeners: list[Callable[[], None]] = []
        self._listeners_lock = threading.Lock()
        self._writes = 0
        ensure_schema(self.engine)
        journal.track_savepoints(self.engine)

    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        """`listener` hears of every commit through this store, after it (on its thread).

        Other instances' commits reach this one through `contact_center.feed.pglisten`.
        """
        with self._listeners_lock:
            self._listeners.append(listener)

    def remove_commit_listener(self, listener: Callable[[], None]) -> None:
        with self._listeners_lock, contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    @contextlib.contextmanager
    def write(self, *, quiet: bool = False) -> Iterator[Connection]:
        """One write transaction; listeners hear of it after the commit, unless `quiet`
        (a write that changes nothing a listener reads, e.g. a session's last_seen)."""
        with self._write_lock, self.engine.begin() as conn, journal.collecting(conn):
            yield conn
            last = journal.number_pending(conn)
            if last is not None and self.is_postgres:
                # Delivered to every listening session when (and only if) this commits.
                conn.execute(select(func.pg_notify(NOTIFY_CHANNEL, f"{self.instance_id} {last}")))
        if quiet:
            return
        self._writes += 1
        if self._writes % 500 == 0:
            self.prune_changes()
        for listener in list(self._listeners):
            listener()

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def lock(self, conn: Connection, name: str) -> None:
        """Hold a lock on `name` until this transaction ends, across instances."""
        transaction_lock(conn, name)

    def dispose(self) -> None:
        self.engine.dispose()

    def prune_changes(self) -> None:
        with self._write_lock, self.engine.begin() as conn:
            journal.prune(conn, self.retain_changes)


def transaction_lock(conn: Connection, name: str) -> None:
    """Hold a lock on `name` until `conn`'s transaction ends, across instances.

    SQLite's writers are already serialised; on PostgreSQL a transaction-level advisory
    lock (e.g. two instances handling the same idempotency key at once, or two admins
    changing each other's authority).
    """
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big")
        conn.execute(select(func.pg_advisory_xact_lock(key - (1 << 63))))
