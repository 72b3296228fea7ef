"""Sign-ins are sessions (docs/API.md, "Sessions"; docs/rules.md, "Sessions").

Each successful sign-in (or password change) makes a session row, kind "console" or "api",
and a token linked to it. The row's `session_count` counts it; a user who signs in while
Offline becomes Available, and goes Offline again when their last session ends. Sessions of
revoked or expired tokens are never listed; those of expired tokens are swept at sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, exists, func, or_, select, update

from contact_center.domain import auth, twofactor
from contact_center.domain.users import offline_if_no_sessions, set_status
from contact_center.storage.clock import iso, now
from contact_center.storage.journal import touch
from contact_center.storage.rows import user_name
from contact_center.storage.tables import api_tokens, sessions, users

CONSOLE_CLIENT = "supervisor-console/"
KINDS = ("device", "console", "api")


@dataclass(frozen=True, slots=True)
class Client:
    """Where a sign-in comes from: its kind, what it calls itself, its address."""

    kind: str
    client: str
    address: str | None

    @staticmethod
    def of(x_client: str | None, user_agent: str | None, address: str | None) -> Client:
        x_client = (x_client or "").strip()
        kind = "console" if x_client.startswith(CONSOLE_CLIENT) else "api"
        name = x_client or (user_agent or "").strip() or "unknown"
        return Client(kind, name[:64], None if address is None else address[:64])


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    expires_at: float
    session_id: int


def start(conn: Connection, uid: int, username: str, client: Client) -> SignedIn:
    """A new session and its token for user `uid` (whose row the caller holds locked)."""
    t = now()
    inserted = conn.execute(
        sessions.insert().values(
            user_id=uid, client=client.client, kind=client.kind, address=client.address,
            started_at=t, last_seen=t,
        )
    ).inserted_primary_key  # fmt: skip
    assert inserted is not None
    session_id = int(inserted[0])
    token, expires = auth.issue_token(conn, uid, session_id=session_id)
    status = conn.execute(select(users.c.status).where(users.c.id == uid)).scalar_one()
    if status == "offline":
        set_status(conn, uid, "available")
    touch(conn, [uid], username)  # session_count changed
    return SignedIn(token, expires, session_id)


def end_own(conn: Connection, token: str) -> None:
    """Sign-out: the token is revoked and its session ends (Offline if it was the last)."""
    uid = auth.revoke_token(conn, token)
    if uid is not None:
        offline_if_no_sessions(conn, uid, "signed out")
        touch(conn, [uid], None)


def sweep_expired(conn: Connection) -> None:
    """End the sessions of expired sign-ins (their users go Offline if it was the last)."""
    found = conn.execute(
        select(api_tokens.c.token_hash, api_tokens.c.user_id, api_tokens.c.session_id).where(
            api_tokens.c.session_id.is_not(None), api_tokens.c.expires_at < now()
        )
    ).all()
    if not found:
        return
    conn.execute(
        update(api_tokens)
        .where(api_tokens.c.token_hash.in_([r.token_hash for r in found]))
        .values(session_id=None)
    )
    conn.execute(delete(sessions).where(sessions.c.id.in_([r.session_id for r in found])))
    uids = sorted({int(r.user_id) for r in found})
    for uid in uids:
        offline_if_no_sessions(conn, uid, "sign-in expired")
    touch(conn, uids, None)


def mark_seen(conn: Connection, session_id: int) -> None:
    conn.execute(update(sessions).where(sessions.c.id == session_id).values(last_seen=now()))


def _listed() -> Any:
    """Sessions not made by a revoked or expired sign-in."""
    ended = exists().where(
        api_tokens.c.session_id == sessions.c.id,
        or_(api_tokens.c.revoked.is_(True), api_tokens.c.expires_at < now()),
    )
    return ~ended


def of_user(conn: Connection, uid: int) -> list[dict[str, Any]]:
    found = conn.execute(
        select(sessions).where(sessions.c.user_id == uid, _listed()).order_by(sessions.c.id)
    )
    return [
        {
            "id": s.id, "kind": s.kind, "client": s.client, "address": s.address,
            "started_at": iso(s.started_at), "last_seen": iso(s.last_seen),
        }
        for s in found
    ]  # fmt: skip


def listing(
    conn: Connection, *, search: str | None, kind: str | None, role: str | None, limit: int
) -> list[dict[str, Any]]:
    """Everyone's sessions, newest first."""
    query = (
        select(
            sessions.c.id, sessions.c.user_id, users.c.username, users.c.first_name,
            users.c.last_name, users.c.role, sessions.c.kind, sessions.c.client,
            sessions.c.address, sessions.c.started_at, sessions.c.last_seen,
        )
        .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
        .where(_listed())
    )  # fmt: skip
    if kind:
        query = query.where(sessions.c.kind == kind)
    if role:
        query = query.where(users.c.role == role)
    needle = (search or "").strip().lower()
    if needle:
        full_name = users.c.first_name + " " + users.c.last_name
        query = query.where(
            or_(
                *(
                    func.lower(col).contains(needle, autoescape=True)
                    for col in (users.c.username, full_name, sessions.c.client, sessions.c.address)
                )
            )
        )
    query = query.order_by(sessions.c.started_at.desc(), sessions.c.id.desc()).limit(limit)
    return [
        {
            "id": r.id, "user_id": r.user_id, "username": r.username,
            "name": user_name(r.first_name, r.last_name, r.username), "role": r.role,
            "kind": r.kind, "client": r.client, "address": r.address,
            "started_at": iso(r.started_at), "last_seen": iso(r.last_seen),
        }
        for r in conn.execute(query)
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class SecondFactor:
    """What a sign-in's `otp` did: accepted (a backup code is used up), or why not."""

    ok: bool
    reason: str | None = None


def check_second_factor(conn: Connection, row: Any, otp: str | None) -> SecondFactor:
    """For the user's locked row: is `otp` right (TOTP, or an unused backup code)?"""
    if not row.two_factor:
        return SecondFactor(True)
    if not otp or not otp.strip():
        return SecondFactor(False, "otp_required")
    if twofactor.totp_ok(row.totp_secret, otp):
        return SecondFactor(True)
    rest = twofactor.use_backup_code(row.backup_codes, otp)
    if rest is None:
        return SecondFactor(False, "otp_invalid")
    conn.execute(update(users).where(users.c.id == row.id).values(backup_codes=rest))
    return SecondFactor(True)
