"""The catalogue of actions on a user: who may run each, its rule, what it changes.

Each `ActionSpec` pairs a rule (`check`, on the panel row: raises `RefusedError`) with an effect
(`apply`, in the caller's transaction). The per-user endpoints, the bulk jobs and the bulk
preview all use these, so they always agree; `actions.py` runs them. Every rule, its texts
and where it comes from: docs/rules.md, "Single-user actions" (one section per action).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select, update

from contact_center.domain import auth
from contact_center.domain.errors import BadInputError, RefusedError
from contact_center.domain.recycle import reset_user
from contact_center.domain.users import (
    STATUS_LABELS,
    actor_label,
    display_name,
    end_all_sessions,
    end_live_call,
    offline_if_no_sessions,
    set_status,
)
from contact_center.storage.clock import now
from contact_center.storage.journal import record_deletion
from contact_center.storage.rows import Row
from contact_center.storage.tables import calls, leads, phone_numbers, sessions, users

# The key under which run_action hands the mail settings (outbox.MailSettings) to an action;
# never part of a request's params (the bodies forbid unknown fields).
MAIL = "_mail"
SETTABLE_STATUSES = ("available", "break", "dnd", "meeting", "other")


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    admin_only: bool
    verb: str  # for "Your role (supervisor) cannot <verb>."
    apply: Callable[[Connection, Row, str, dict[str, Any]], dict[str, Any]]
    # Rule on the panel row (status, sessions, flags): raises RefusedError. Used by the
    # action itself and by the bulk preview, so both always agree.
    check: Callable[[Row, dict[str, Any]], None] = lambda row, params: None
    disconnects_calls: bool = False


# docs/rules.md, "Reset dialer status".
def _check_reset_dialer(row: Row, params: dict[str, Any]) -> None:
    if row["status"] not in ("unavailable", "busy"):
        raise RefusedError(
            f"The dialer reset applies only to users whose status shows Unavailable or Busy; "
            f"{display_name(row)} is {STATUS_LABELS[row['status']]}. Check that the user is "
            "signed in and that the dialer is enabled for their account.",
            "not Unavailable or Busy",
        )


def _reset_dialer(conn: Connection, raw: Row, actor: str, params: dict[str, Any]) -> dict[str, Any]:
    call = end_live_call(conn, raw["id"], "supervisor reset")
    set_status(conn, raw["id"], "available")
    conn.execute(update(sessions).where(sessions.c.user_id == raw["id"]).values(last_seen=now()))
    msg = f"{display_name(raw)} is now Available."
    if call:
        msg += f" The call with {call['peer']} was disconnected; its log was kept."
    return {"disconnected_call": call, "message": msg}


# docs/rules.md, "Force logout".
def _check_logout(row: Row, params: dict[str, Any]) -> None:
    if row["session_count"] == 0:
        raise RefusedError(f"{display_name(row)} has no active sessions.", "no active sessions")


def _logout(conn: Connection, raw: Row, actor: str, params: dict[str, Any]) -> dict[str, Any]:
    # The signed-out sign-ins are told who did it (docs/API.md, "Sessions").
    uid, by = raw["id"], actor_label(conn, actor)
    ids = [r[0] for r in conn.execute(select(sessions.c.id).where(sessions.c.user_id == uid))]
    one = params.get("session_id")
    if one is not None:
        if one not in ids:
            raise RefusedError(f"Session {one} is not an active session of {display_name(raw)}.")
        if len(ids) > 1:
            auth.end_session(conn, uid, one, by)
            return {"ended_sessions": 1}
    return {"ended_sessions": max(1, end_all_sessions(conn, uid, "forced logout", by))}


# docs/rules.md, "Deactivate and activate".
def _check_deactivate(row: Row, params: dict[str, Any]) -> None:
    if not row["active"]:
        raise RefusedError(f"{display_name(row)} is already deactivated.", "already deactivated")


def _check_activate(row: Row, params: dict[str, Any]) -> None:
    if row["active"]:
        raise RefusedError(f"{display_name(row)} is already active.", "already active")


def _deactivate(conn: Connection, raw: Row, actor: str, params: dict[str, Any]) -> dict[str, Any]:
    ended = end_all_sessions(conn, raw["id"], "user deactivated", actor_label(conn, actor))
    conn.execute(update(users).where(users.c.id == raw["id"]).values(active=False))
    return {"ended_sessions": ended}


def _activate(conn: Connection, raw: Row, actor: str, params: dict[str, Any]) -> dict[str, Any]:
    conn.execute(update(users).where(users.c.id == raw["id"]).values(active=True))
    return {}


# docs/rules.md, "Reset password".
def _reset_password(
    conn: Connection, raw: Row, actor: str, params: dict[str, Any]
) -> dict[str, Any]:
    password = auth.temporary_password()
    conn.execute(
        update(users)
        .where(users.c.id == raw["id"])
        .values(
            password_hash=auth.hash_password(password),
            must_change_password=bool(params.get("require_change", True)),
        )
    )
    ended = end_all_sessions(conn, raw["id"], "password reset", actor_label(conn, actor))
    return {"temporary_password": password, "ended_sessions": ended}


# docs/rules.md, "Reset 2FA".
def _check_reset_2fa(row: Row, params: dict[str, Any]) -> None:
    if not row["two_factor"]:
        raise RefusedError(
            f"{display_name(row)} does not have two-factor authentication enabled.",
            "2FA not enabled",
        )


def _reset_2fa(conn: Connection, raw: Row, actor: str, params: dict[str, Any]) -> dict[str, Any]:
    conn.execute(
        update(users)
        .where(users.c.id == raw["id"])
        .values(two_factor=False, totp_secret=None, totp_pending=None, backup_codes=None)
    )
    # Whoever signed in with the old second factor is signed in no longer.
    ended = end_all_sessions(conn, raw["id"], "2FA reset", actor_label(conn, actor))
    return {"ended_sessions": ended}


# docs/rules.md, "Delete user".
def _delete(conn: Connection, raw: Row, actor: str, params: dict[str, Any]) -> dict[str, Any]:
    uid = raw["id"]
    ended = end_all_sessions(conn, uid, "user deleted")
    unassigned = conn.execute(
        update(leads).where(leads.c.owner_id == uid).values(owner_id=None)
    ).rowcount
    conn.execute(
        update(phone_numbers)
        .where(phone_numbers.c.user_id == uid)
        .values(user_id=None, state="available")
    )
    conn.execute(delete(users).where(users.c.id == uid))
    record_deletion(conn, uid)
    return {"deleted_id": uid, "unassigned_leads": int(unassigned), "ended_sessions": ended}


# docs/rules.md, "Set status for the user".
def _check_set_status(row: Row, params: dict[str, Any]) -> None:
    status = params.get("status")
    # Bad input (422 for one user), not a state conflict: a retry after a refresh won't help.
    if status not in SETTABLE_STATUSES:
        raise BadInputError(
            "The status must be one of available, break, dnd, meeting or other.", "bad status"
        )
    if status == "other" and not (params.get("text") or "").strip():
        raise BadInputError(
            "A status of Other needs a text saying what it is.", "no text for Other"
        )
    if row["status"] == "offline":
        raise RefusedError(
            f"{display_name(row)} is Offline; a status can only be set for a signed-in user.",
            "Offline",
        )
    if status == "available" and row["status"] == "available":
        raise RefusedError(f"{display_name(row)} is already Available.", "already Available")
    if status == "available" and row["status"] in ("busy", "unavailable"):
        label = STATUS_LABELS[row["status"]]
        raise RefusedError(
            f"{display_name(row)} is {label}: use Reset dialer status to make them Available.",
            f"{label}: use Reset dialer status",
        )


def _set_status_action(
    conn: Connection, raw: Row, actor: str, params: dict[str, Any]
) -> dict[str, Any]:
    status = params["status"]
    text = (params.get("text") or "").strip() or None
    set_status(conn, raw["id"], status, text if status == "other" else None)
    name = display_name(raw)
    answer: dict[str, Any] = {"message": f"{name} is now {STATUS_LABELS[status]}."}
    peer = conn.execute(
        select(calls.c.peer).where(calls.c.user_id == raw["id"], calls.c.ended_at.is_(None))
    ).scalar()
    if peer is not None and status != "available":
        answer["message"] += (
            f" The call with {peer} goes on; {name} gets no queue calls until Available."
        )
        answer["live_call_continues"] = True
    return answer


# docs/rules.md, "Set role; skills, tags and desks (bulk only)".
def _edited(current: list[str], values: list[str], mode: str) -> list[str]:
    if mode == "add":
        return current + [v for v in values if v not in current]
    if mode == "remove":
        return [v for v in current if v not in values]
    return list(dict.fromkeys(values))


def _list_spec(column: str, mode: str) -> ActionSpec:
    def check(row: Row, params: dict[str, Any]) -> None:
        values = [str(v) for v in params.get("values") or []]
        if not values and mode != "set":
            raise RefusedError(f"Choose the {column} to {mode}.", f"no {column} given")
        if _edited(list(row[column]), values, mode) == list(row[column]):
            raise RefusedError(
                f"Nothing to change for {display_name(row)}.", f"{column} already so"
            )

    def apply(conn: Connection, raw: Row, actor: str, params: dict[str, Any]) -> dict[str, Any]:
        new = _edited(list(raw[column] or []), [str(v) for v in params.get("values") or []], mode)
        conn.execute(update(users).where(users.c.id == raw["id"]).values({column: new}))
        return {}

    return ActionSpec(f"{mode}-{column}", True, f"change {column}", apply, check)


def _check_set_role(row: Row, params: dict[str, Any]) -> None:
    role = params.get("role")
    if role not in ("agent", "supervisor", "admin"):
        raise RefusedError("The role must be agent, supervisor or admin.", "bad role")
    if row["role"] == role:
        raise RefusedError(f"{display_name(row)} is already {role}.", f"already {role}")


def _set_role(conn: Connection, raw: Row, actor: str, params: dict[str, Any]) -> dict[str, Any]:
    conn.execute(update(users).where(users.c.id == raw["id"]).values(role=params["role"]))
    # A token carries the authority of the role it was issued for: a role change ends it
    # (re-promoting a demoted user must not bring an old token back to life).
    auth.revoke_user_tokens(conn, raw["id"], actor_label(conn, actor))
    offline_if_no_sessions(conn, raw["id"], "role changed")
    return {}


# docs/rules.md, "Reset and recycle" (recycle.py). One user's recycle is `recycle`; a bulk
# reset's are `recycle_details` by user id (users without details are reset, not recycled).
def recycle_of(raw: Row, params: dict[str, Any]) -> dict[str, Any] | None:
    recycle: dict[str, Any] | None = params.get("recycle")
    if recycle is None:
        recycle = (params.get("recycle_details") or {}).get(str(raw["id"]))
    return recycle


def _reset(conn: Connection, raw: Row, actor: str, params: dict[str, Any]) -> dict[str, Any]:
    return reset_user(conn, raw, params, recycle_of(raw, params), params.get(MAIL))


ACTIONS: dict[str, ActionSpec] = {
    s.name: s
    for s in [
        ActionSpec(
            "reset-dialer", False, "reset dialers", _reset_dialer, _check_reset_dialer, True
        ),
        ActionSpec("logout", False, "log users out", _logout, _check_logout, True),
        ActionSpec("set-status", False, "set statuses", _set_status_action, _check_set_status),
        ActionSpec("deactivate", True, "deactivate users", _deactivate, _check_deactivate, True),
        ActionSpec("activate", True, "activate users", _activate, _check_activate),
        ActionSpec(
            "reset-password", True, "reset passwords", _reset_password, disconnects_calls=True
        ),
        ActionSpec(
            "reset-2fa",
            True,
            "reset two-factor authentication",
            _reset_2fa,
            _check_reset_2fa,
            disconnects_calls=True,
        ),
        ActionSpec("delete", True, "delete users", _delete, disconnects_calls=True),
        ActionSpec("reset", True, "reset and recycle users", _reset),
        ActionSpec("set-role", True, "change roles", _set_role, _check_set_role),
    ]
    + [
        _list_spec(col, mode)
        for col in ("skills", "tags", "desks")
        for mode in ("add", "remove", "set")
    ]
}
