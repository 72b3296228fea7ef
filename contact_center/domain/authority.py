"""Who may act on whom, checked in the write's own transaction (docs/rules.md, "Who may run
what"; docs/API.md, "Authority").

- The actor: an active supervisor or admin, and an admin for admin-only actions. Read in
  the same transaction as the write, not from the token checked when the request arrived:
  an actor deactivated or demoted a moment ago no longer acts (nor does a bulk job they
  queued: it is checked at every chunk).
- The target: supervisors act on agents; supervisor and admin accounts are acted on by
  admins only. Some actions are refused on one's own account.
- The system: no write leaves it without an active admin.

Actions that can change someone's authority (deactivate, activate, delete, set role) take
one lock, `AUTHORITY_LOCK`, first in their transaction: on PostgreSQL two admins
deactivating each other at the same moment are then handled one after the other, and the
second finds its actor deactivated. (SQLite's writers are serialised anyway.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from contact_center.domain.errors import ForbiddenError, RefusedError
from contact_center.storage.rows import Row
from contact_center.storage.store import transaction_lock
from contact_center.storage.tables import users

AUTHORITY_LOCK = "authority"
# Actions that change who holds authority: serialised by AUTHORITY_LOCK.
AUTHORITY_ACTIONS = frozenset({"deactivate", "activate", "delete", "set-role"})
# An admin locking themselves out (or demoting the last admin) is never intended; a forced
# logout of oneself would end the very session that runs it (Session > Sign out does that).
NOT_ON_SELF = frozenset({"deactivate", "delete", "reset", "set-role", "logout"})
CONSOLE_ROLES = ("supervisor", "admin")


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller as the database says now (not as their token said)."""

    id: int
    username: str
    role: str


def lock_if_needed(conn: Connection, action: str) -> None:
    """Take AUTHORITY_LOCK when `action` can change someone's authority."""
    if action in AUTHORITY_ACTIONS:
        transaction_lock(conn, AUTHORITY_LOCK)


def current_actor(conn: Connection, username: str, *, admin_only: bool, verb: str) -> Actor:
    """The actor, if they may still run an action of this kind; else ForbiddenError."""
    row = conn.execute(
        select(users.c.id, users.c.username, users.c.role, users.c.active).where(
            users.c.username == username
        )
    ).first()
    if row is None:
        raise ForbiddenError(f"The account {username} no longer exists.", "account deleted")
    if not row.active:
        raise ForbiddenError("Your account is deactivated.", "account deactivated")
    if row.role not in CONSOLE_ROLES:
        raise ForbiddenError(
            f"Your role ({row.role}) cannot use this console.", f"role is now {row.role}"
        )
    if admin_only and row.role != "admin":
        raise ForbiddenError(f"Your role ({row.role}) cannot {verb}.", f"role is now {row.role}")
    return Actor(row.id, row.username, row.role)


def check_target(action: str, verb: str, target: Row, actor: Actor) -> None:
    """May `actor` run `action` on `target` at all? RefusedError (one's own account, 409) or
    ForbiddenError (a target they may not act on, 403) says why not.

    Used by the action itself, the bulk job (skipped with the reason) and the bulk preview,
    so the three always agree.
    """
    if action in NOT_ON_SELF and target["username"] == actor.username:
        word = "log out" if action == "logout" else verb.split(" ")[0]
        raise RefusedError(f"You cannot {word} your own account.", "your own account")
    if actor.role != "admin" and target["role"] != "agent":
        kind = "an admin" if target["role"] == "admin" else "a supervisor"
        raise ForbiddenError(
            f"Only an admin can act on {kind}'s account; supervisors act on agents.",
            f"{target['role']} account",
        )


def removes_admin(action: str, target: Row, params: dict[str, Any]) -> bool:
    """Would this action take an active admin away?"""
    if target["role"] != "admin" or not target["active"]:
        return False
    if action in ("deactivate", "delete"):
        return True
    return action == "set-role" and params.get("role") != "admin"


def active_admins(conn: Connection) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(users)
            .where(users.c.role == "admin", users.c.active.is_(True))
        ).scalar_one()
    )


def check_admins_left(conn: Connection, action: str, target: Row, params: dict[str, Any]) -> None:
    """Refuse a write that would leave no active admin (after AUTHORITY_LOCK)."""
    if removes_admin(action, target, params) and active_admins(conn) <= 1:
        raise RefusedError(
            f"{target['username']} is the last active admin: the system would be left "
            "without anyone to administer it. Make another user an admin first.",
            "last active admin",
        )
