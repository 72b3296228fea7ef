"""Transactions, the user row the panel shows, and the change feed's bookkeeping.

Every write goes through `Store.write()`; a change to a user goes through `touch()`, which
bumps the row's version and appends to `changes` under the feed_state row lock, so commit
order equals cursor order on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from contact_center import db
from contact_center.db import calls, changes, feed_state, sessions, users

Row = dict[str, Any]


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
        # SQLite allows one writer; queueing here beats "database is locked" retries.
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if self.is_sqlite else contextlib.nullcontext()
        )
        self._listeners: list[Callable[[], None]] = []
        self._writes = 0
        db.create_schema(self.engine)

    def add_commit_listener(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def remove_commit_listener(self, listener: Callable[[], None]) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction; listeners hear of it after the commit."""
        with self._write_lock, self.engine.begin() as conn:
            yield conn
        self._writes += 1
        if self._writes % 500 == 0:
            self.prune_changes()
        for listener in list(self._listeners):
            listener()

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
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
    last = conn.execute(
        update(feed_state)
        .where(feed_state.c.id == 1)
        .values(seq=feed_state.c.seq + len(ids))
        .returning(feed_state.c.seq)
    ).scalar_one()
    first = last - len(ids) + 1
    conn.execute(
        changes.insert(),
        [{"seq": first + i, "user_id": uid, "at": at} for i, uid in enumerate(ids)],
    )
    values: dict[str, Any] = {"version": users.c.version + 1, "changed_at": at}
    if actor is not None:
        values["changed_by"] = actor
    conn.execute(update(users).where(users.c.id.in_(ids)).values(**values))


def record_deletion(conn: Connection, user_id: int) -> None:
    """A deleted user still needs a feed entry so that consoles drop the row."""
    seq = conn.execute(
        update(feed_state)
        .where(feed_state.c.id == 1)
        .values(seq=feed_state.c.seq + 1)
        .returning(feed_state.c.seq)
    ).scalar_one()
    conn.execute(changes.insert().values(seq=seq, user_id=user_id, at=now()))


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
