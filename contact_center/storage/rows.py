"""The user row the panel shows (one query joins the live call and the session count), and
the snapshot cache that keeps each row's JSON text by version."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select

from contact_center.storage.clock import iso
from contact_center.storage.tables import calls, sessions, users

Row = dict[str, Any]

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
    users.c.must_change_password,
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
        "must_change_password": bool(r.must_change_password),
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


def user_row(conn: Connection, user_id: int) -> Row | None:
    rows = user_rows(conn, [user_id])
    return rows[0] if rows else None


def user_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


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
