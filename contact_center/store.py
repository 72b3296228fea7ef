"""Transactions, the user row the panel shows, and the change feed's bookkeeping.

Every write goes through `Store.write()`; a change to a user goes through `touch()`, which
bumps the row's version at once and queues a feed entry. Just before the commit, `write()`
allocates the queued entries' seqs under the feed_state row lock (held until the commit),
so commit order equals cursor order on SQLite and PostgreSQL alike; taking that lock last
also means a transaction never waits for a user row while holding it (no deadlocks
between writers on PostgreSQL).

On PostgreSQL the same transaction sends a NOTIFY, delivered on commit, which a listener
thread in every other instance turns into a local wake-up (`contact_center.pgfeed`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, event, func, select, update

from contact_center import db
from contact_center.db import calls, changes, feed_state, sessions, users
from contact_center.schema import ensure_schema

Row = dict[str, Any]
NOTIFY_CHANNEL = "contact_center_changes"
# conn.info keys of a write transaction: feed entries awaiting a seq, savepoint marks.
_PENDING = "contact_center.feed_pending"
_MARKS = "contact_center.feed_marks"


def now() -> float:
    return time.time()


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


class Store:
    """Owns the engine; serialises SQLite writers; tells listeners after each commit."""

    def __init__(self, url: str, *, retain_changes: int = 200_000) -> None:
        self.engine: Engine = db.make_engine(url)
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
        self._feed_listener: Any = None  # pgfeed.FeedListener while anyone listens (PostgreSQL)
        self._writes = 0
        ensure_schema(self.engine)
        event.listen(self.engine, "savepoint", _on_savepoint)
        event.listen(self.engine, "rollback_savepoint", _on_rollback_savepoint)
        event.listen(self.engine, "release_savepoint", _on_release_savepoint)

    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        """`listener` hears of every commit here and, on PostgreSQL, of other instances' too."""
        with self._listeners_lock:
            self._listeners.append(listener)
            if self.is_postgres and self._feed_listener is None:
                from contact_center.pgfeed import FeedListener

                self._feed_listener = FeedListener(self.engine, self.instance_id, self._heard)
                self._feed_listener.start()

    def remove_commit_listener(self, listener: Callable[[], None]) -> None:
        with self._listeners_lock:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)
            feed_listener = None
            if not self._listeners:
                feed_listener, self._feed_listener = self._feed_listener, None
        if feed_listener is not None:
            feed_listener.stop()

    def _heard(self) -> None:
        """Another instance committed a change (or the periodic re-check saw one)."""
        for listener in list(self._listeners):
            listener()

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction; listeners hear of it after the commit."""
        with self._write_lock, self.engine.begin() as conn:
            conn.info[_PENDING] = []
            conn.info[_MARKS] = {}
            try:
                yield conn
                last = _allocate_seqs(conn)
                if last is not None and self.is_postgres:
                    # Delivered to every listening session when (and only if) this commits.
                    conn.execute(
                        select(func.pg_notify(NOTIFY_CHANNEL, f"{self.instance_id} {last}"))
                    )
            finally:
                conn.info.pop(_PENDING, None)
                conn.info.pop(_MARKS, None)
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
        """Hold a lock on `name` until this transaction ends, across instances.

        SQLite's writers are already serialised; on PostgreSQL a transaction-level advisory
        lock (e.g. two instances handling the same idempotency key at once).
        """
        if self.is_postgres:
            key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big")
            conn.execute(select(func.pg_advisory_xact_lock(key - (1 << 63))))

    def dispose(self) -> None:
        with self._listeners_lock:
            feed_listener, self._feed_listener = self._feed_listener, None
        if feed_listener is not None:
            feed_listener.stop()
        self.engine.dispose()

    def prune_changes(self) -> None:
        with self._write_lock, self.engine.begin() as conn:
            seq = conn.execute(select(feed_state.c.seq).where(feed_state.c.id == 1)).scalar_one()
            floor = seq - self.retain_changes
            if floor <= 0:
                return
            conn.execute(changes.delete().where(changes.c.seq <= floor))
            conn.execute(update(feed_state).where(feed_state.c.id == 1).values(floor=floor))


def touch(conn: Connection, user_ids: Iterable[int], actor: str | None) -> None:
    """Record a change to each user: new version, who and when, and a feed entry."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return
    at = now()
    _feed_entries(conn, [(uid, at) for uid in ids])
    values: dict[str, Any] = {"version": users.c.version + 1, "changed_at": at}
    if actor is not None:
        values["changed_by"] = actor
    conn.execute(update(users).where(users.c.id.in_(ids)).values(**values))


def record_deletion(conn: Connection, user_id: int) -> None:
    """A deleted user still needs a feed entry so that consoles drop the row."""
    _feed_entries(conn, [(user_id, now())])


def _feed_entries(conn: Connection, entries: list[tuple[int, float]]) -> None:
    """Queue feed entries for `Store.write()` to number at commit (at once outside it)."""
    pending: list[tuple[int, float]] | None = conn.info.get(_PENDING)
    if pending is not None:
        pending.extend(entries)
        return
    conn.info[_PENDING] = entries
    try:
        _allocate_seqs(conn)
    finally:
        conn.info.pop(_PENDING, None)


def _allocate_seqs(conn: Connection) -> int | None:
    """Number the queued feed entries under the feed_state row lock; the last seq, if any."""
    pending: list[tuple[int, float]] = conn.info.get(_PENDING) or []
    if not pending:
        return None
    last = conn.execute(
        update(feed_state)
        .where(feed_state.c.id == 1)
        .values(seq=feed_state.c.seq + len(pending))
        .returning(feed_state.c.seq)
    ).scalar_one()
    first = last - len(pending) + 1
    conn.execute(
        changes.insert(),
        [{"seq": first + i, "user_id": uid, "at": at} for i, (uid, at) in enumerate(pending)],
    )
    pending.clear()
    return int(last)


# A savepoint rolled back (one user of a bulk job failing) takes its feed entries with it.
def _on_savepoint(conn: Connection, name: str) -> None:
    if (marks := conn.info.get(_MARKS)) is not None:
        marks[name] = len(conn.info[_PENDING])


def _on_rollback_savepoint(conn: Connection, name: str, context: object) -> None:
    marks, pending = conn.info.get(_MARKS), conn.info.get(_PENDING)
    if marks is not None and pending is not None and name in marks:
        del pending[marks.pop(name) :]


def _on_release_savepoint(conn: Connection, name: str, context: object) -> None:
    if (marks := conn.info.get(_MARKS)) is not None:
        marks.pop(name, None)


# Correlated, so one user's row costs an index lookup, not a scan of every session.
_session_count = (
    select(func.count())
    .select_from(sessions)
    .where(sessions.c.user_id == users.c.id)
    .correlate(users)
    .scalar_subquery()
)

_ROW_COLUMNS = [
    users.c.id,
    users.c.version,
    users.c.username,
    users.c.first_name,
    users.c.last_name,
    users.c.email,
    users.c.extension,
    users.c.phone_number,
    users.c.role,
    users.c.desks,
    users.c.skills,
    users.c.tags,
    users.c.active,
    users.c.two_factor,
    users.c.status,
    users.c.status_text,
    users.c.status_since,
    users.c.last_activity,
    users.c.changed_by,
    users.c.changed_at,
    calls.c.id.label("call_id"),
    calls.c.direction,
    calls.c.peer,
    calls.c.started_at.label("call_started"),
    _session_count.label("session_count"),
]


def _row_query() -> Any:
    return (
        select(*_ROW_COLUMNS)
        .select_from(users)
        .outerjoin(calls, (calls.c.user_id == users.c.id) & calls.c.ended_at.is_(None))
    )


def _to_json(r: Any) -> Row:
    call = None
    if r.call_id is not None:
        call = {
            "id": r.call_id,
            "direction": r.direction,
            "peer": r.peer,
            "started_at": iso(r.call_started),
        }
    return {
        "id": r.id,
        "version": r.version,
        "username": r.username,
        "first_name": r.first_name,
        "last_name": r.last_name,
        "email": r.email,
        "extension": r.extension,
        "phone_number": r.phone_number,
        "role": r.role,
        "desks": r.desks,
        "skills": r.skills,
        "tags": r.tags,
        "active": bool(r.active),
        "two_factor": bool(r.two_factor),
        "status": r.status,
        "status_text": r.status_text,
        "status_since": iso(r.status_since),
        "live_call": call,
        "session_count": r.session_count,
        "last_activity": iso(r.last_activity),
        "changed_by": r.changed_by,
        "changed_at": iso(r.changed_at),
    }


def user_rows(conn: Connection, ids: Iterable[int] | None = None) -> list[Row]:
    """Panel rows, all of them or those of `ids` (in id order)."""
    query = _row_query().order_by(users.c.id)
    if ids is not None:
        id_list = list(ids)
        if not id_list:
            return []
        query = query.where(users.c.id.in_(id_list))
    return [_to_json(r) for r in conn.execute(query)]


class SnapshotCache:
    """Each row's JSON text, kept by (id, version): a snapshot re-serialises only what changed.

    Correct across processes too: every change to anything a row shows bumps its version.
    """

    def __init__(self) -> None:
        self._rows: dict[int, tuple[int, str]] = {}
        self._lock = threading.Lock()

    def rows_json(self, conn: Connection) -> str:
        """All rows as one JSON array, in id order."""
        versions = conn.execute(select(users.c.id, users.c.version).order_by(users.c.id)).all()
        with self._lock:
            stale = [uid for uid, v in versions if self._rows.get(uid, (None,))[0] != v]
        fresh: dict[int, tuple[int, str]] = {}
        if len(stale) > len(versions) // 4:
            fresh = {r["id"]: (r["version"], _dumps(r)) for r in user_rows(conn)}
        else:
            for i in range(0, len(stale), 5000):
                for r in user_rows(conn, stale[i : i + 5000]):
                    fresh[r["id"]] = (r["version"], _dumps(r))
        with self._lock:
            # Never replace a row with an older version of it: a slower snapshot's rows may
            # predate what another one cached, and a snapshot must not be older than its cursor.
            old = self._rows
            if len(fresh) > len(versions) // 4:
                self._rows = fresh
            for uid, entry in fresh.items():
                if uid in old and old[uid][0] > entry[0]:
                    self._rows[uid] = old[uid]
                else:
                    self._rows[uid] = entry
            cached = self._rows
            parts = [cached[uid][1] for uid, _ in versions if uid in cached]
        return "[" + ",".join(parts) + "]"


def _dumps(row: Row) -> str:
    return json.dumps(row, separators=(",", ":"))


def user_row(conn: Connection, user_id: int) -> Row | None:
    rows = user_rows(conn, [user_id])
    return rows[0] if rows else None


def current_cursor(conn: Connection) -> tuple[int, int]:
    """(seq, floor) of the change feed."""
    r = conn.execute(select(feed_state.c.seq, feed_state.c.floor).where(feed_state.c.id == 1))
    seq, floor = r.one()
    return int(seq), int(floor)


class CursorGone(Exception):
    """The cursor is older than the retained feed, or from another database."""


def changes_since(
    conn: Connection, since: int, limit: int = 5000
) -> tuple[list[Row], list[int], int]:
    """Rows changed after `since`, ids deleted after it, and the cursor to ask from next."""
    seq, floor = current_cursor(conn)
    if since < floor or since > seq:
        raise CursorGone()
    found = conn.execute(
        select(changes.c.seq, changes.c.user_id)
        .where(changes.c.seq > since)
        .order_by(changes.c.seq)
        .limit(limit)
    ).all()
    if not found:
        return [], [], since
    ids = list(dict.fromkeys(uid for _, uid in found))
    rows = user_rows(conn, ids)
    present = {r["id"] for r in rows}
    deleted = [uid for uid in ids if uid not in present]
    return rows, deleted, int(found[-1][0])


def user_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username
