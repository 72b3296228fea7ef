"""Running one action on one user: admit it, apply it, record it.

The per-user endpoints and the bulk jobs run the same `run_action`, inside the caller's
transaction. A rule that does not hold raises `RefusedError` (409 for one user, "skipped" in a
bulk job); a precondition the supervisor saw that no longer holds raises `ConflictError`. The
actions themselves and their rules are in `rules.py`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from contact_center.domain import authority
from contact_center.domain.audit import audit_view, write_audit
from contact_center.domain.authority import Actor
from contact_center.domain.errors import ConflictError
from contact_center.domain.outbox import MailSettings
from contact_center.domain.rules import ACTIONS, MAIL
from contact_center.domain.users import STATUS_LABELS, display_name, load_raw
from contact_center.storage.journal import touch
from contact_center.storage.rows import Row, user_row
from contact_center.storage.tables import users


def with_mail(params: dict[str, Any], mail: MailSettings | None) -> dict[str, Any]:
    return params if mail is None else {**params, MAIL: mail}


def check_precondition(raw: Row, expected_status: str | None, expected_version: int | None) -> None:
    seen = []
    if expected_status is not None and raw["status"] != expected_status:
        seen.append(
            f"they are now {STATUS_LABELS[raw['status']]} (you saw "
            f"{STATUS_LABELS.get(expected_status, expected_status)})"
        )
    if expected_version is not None and raw["version"] != expected_version and not seen:
        who = raw["changed_by"] or "someone"
        seen.append(
            f"{who} changed it after you looked (now {STATUS_LABELS[raw['status']]}; "
            f"version {raw['version']}, you saw version {expected_version})"
        )
    if seen:
        raise ConflictError(
            f"{display_name(raw)} changed since you looked: {seen[0]}. Nothing was done."
        )


def admit(
    name: str,
    raw: Row,
    view: Row,
    actor: Actor,
    params: dict[str, Any],
    expected_status: str | None = None,
    expected_version: int | None = None,
) -> None:
    """Every check on the target before an action runs: raises ForbiddenError (who may act
    on whom), ConflictError (the precondition) or RefusedError (the rule); changes nothing."""
    spec = ACTIONS[name]
    authority.check_target(name, spec.verb, raw, actor)
    check_precondition(raw, expected_status, expected_version)
    spec.check(view, params)


def run_action(
    conn: Connection,
    name: str,
    user_id: int,
    actor: str,
    params: dict[str, Any],
    *,
    expected_status: str | None = None,
    expected_version: int | None = None,
    request_id: str | None = None,
    job_id: int | None = None,
    mail: MailSettings | None = None,
) -> dict[str, Any]:
    """Check and apply one action to one user, with its audit record, in `conn`'s transaction.

    The actor's authority is read here, in the write's own transaction (authority.py).
    `mail`: where a recycle's welcome email goes (outbox.py).
    """
    spec = ACTIONS[name]
    authority.lock_if_needed(conn, name)
    who = authority.current_actor(conn, actor, admin_only=spec.admin_only, verb=spec.verb)
    raw = load_raw(conn, user_id)
    view = user_row(conn, user_id)
    assert view is not None
    admit(name, raw, view, who, params, expected_status, expected_version)
    authority.check_admins_left(conn, name, raw, params)
    result = spec.apply(conn, raw, actor, with_mail(params, mail))
    after = None
    if name != "delete":
        touch(conn, [user_id], actor)
        after = dict(conn.execute(select(users).where(users.c.id == user_id)).one()._mapping)
    write_audit(
        conn,
        actor=actor,
        action=name,
        target_id=user_id,
        target_name=display_name(raw),
        before=audit_view(raw),
        after=audit_view(after),
        request_id=request_id,
        job_id=job_id,
    )
    return result
