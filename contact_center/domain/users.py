"""A user as the actions see it: status labels, the display name, the locked row, and the
changes several actions share (set a status, end the live call, end every session)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from contact_center.domain import auth
from contact_center.domain.errors import NotFoundError
from contact_center.storage.clock import now
from contact_center.storage.rows import Row, user_name
from contact_center.storage.tables import calls, sessions, users

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Taken by every write that sets an email (edit, recycle), so that two of them cannot give
# the same address (ignoring case) to two users at once on PostgreSQL.
EMAIL_LOCK = "user emails"

# docs/rules.md, "Statuses and stuck dialers".
STATUS_LABELS = {
    "available": "Available",
    "busy": "Busy",
    "unavailable": "Unavailable",
    "break": "Break",
    "dnd": "Do Not Disturb",
    "meeting": "Meeting",
    "other": "Other",
    "offline": "Offline",
}


def load_raw(conn: Connection, user_id: int) -> Row:
    row = conn.execute(select(users).where(users.c.id == user_id).with_for_update()).first()
    if row is None:
        raise NotFoundError(f"There is no user with id {user_id}.")
    return dict(row._mapping)


def display_name(raw: Row) -> str:
    return user_name(raw["first_name"], raw["last_name"], raw["username"])


def set_status(conn: Connection, uid: int, status: str, text: str | None = None) -> None:
    t = now()
    conn.execute(
        update(users)
        .where(users.c.id == uid)
        .values(status=status, status_text=text, status_since=t, last_activity=t)
    )


def end_live_call(conn: Connection, uid: int, ended_by: str) -> dict[str, Any] | None:
    """End the user's live call, if any (its log is kept); what it was."""
    live = conn.execute(
        select(calls.c.id, calls.c.direction, calls.c.peer).where(
            calls.c.user_id == uid, calls.c.ended_at.is_(None)
        )
    ).first()
    if live is None:
        return None
    conn.execute(
        update(calls).where(calls.c.id == live.id).values(ended_at=now(), ended_by=ended_by)
    )
    return {"id": live.id, "direction": live.direction, "peer": live.peer}


def end_all_sessions(conn: Connection, uid: int, reason: str, by: str | None = None) -> int:
    """End every session and live call; the user goes offline. Returns sessions ended.

    `by` ("Alex Admin (admin)") is told to the user's signed-out sign-ins (docs/API.md)."""
    ended = conn.execute(delete(sessions).where(sessions.c.user_id == uid)).rowcount
    end_live_call(conn, uid, reason)
    set_status(conn, uid, "offline")
    auth.revoke_user_tokens(conn, uid, by)
    return int(ended)


def email_owner(conn: Connection, email: str, user_id: int) -> str | None:
    """ "NAME (USERNAME)" of another user who has `email`, ignoring case (None: it is free)."""
    other = conn.execute(
        select(users.c.first_name, users.c.last_name, users.c.username)
        .where(func.lower(users.c.email) == func.lower(email), users.c.id != user_id)
        .order_by(users.c.id)
        .limit(1)
    ).first()
    if other is None:
        return None
    name = user_name(other.first_name, other.last_name, other.username)
    return f"{name} ({other.username})"


def offline_if_no_sessions(conn: Connection, uid: int, reason: str) -> bool:
    """After some of the user's sessions ended: with none left, end the live call and go
    Offline (as `end_all_sessions` does). True when that happened."""
    left = conn.execute(
        select(func.count()).select_from(sessions).where(sessions.c.user_id == uid)
    ).scalar_one()
    if left:
        return False
    status = conn.execute(select(users.c.status).where(users.c.id == uid)).scalar()
    if status is None or status == "offline":
        return False
    end_live_call(conn, uid, reason)
    set_status(conn, uid, "offline")
    return True


def actor_label(conn: Connection, username: str) -> str:
    """How a signed-out user is told who did it: "Alex Admin (admin)"."""
    row = conn.execute(
        select(users.c.first_name, users.c.last_name).where(users.c.username == username)
    ).first()
    name = username if row is None else user_name(row.first_name, row.last_name, username)
    return f"{name} ({username})"
