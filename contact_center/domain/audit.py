"""The audit log: who did what, to whom, before, after, when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from contact_center.storage.clock import iso, now
from contact_center.storage.rows import Row
from contact_center.storage.tables import audit

# What a record keeps of the user before and after an action.
_AUDITED = (
    "status", "status_text", "active", "two_factor", "role", "desks", "skills", "tags",
    "first_name", "last_name", "email", "phone_number", "must_change_password",
)  # fmt: skip


def audit_view(raw: Row | None) -> dict[str, Any] | None:
    return None if raw is None else {k: raw[k] for k in _AUDITED}


def write_audit(
    conn: Connection,
    *,
    actor: str,
    action: str,
    target_id: int | None,
    target_name: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    request_id: str | None = None,
    job_id: int | None = None,
) -> None:
    conn.execute(
        audit.insert().values(
            at=now(),
            actor=actor,
            action=action,
            target_id=target_id,
            target_name=target_name,
            before=before,
            after=after,
            request_id=request_id,
            job_id=job_id,
        )
    )


def read_audit(
    conn: Connection,
    *,
    user_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: float | None = None,
    until: float | None = None,
    job_id: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(audit.c.target_id == user_id)
    if actor is not None:
        query = query.where(audit.c.actor == actor)
    if action is not None:
        query = query.where(audit.c.action == action)
    if since is not None:
        query = query.where(audit.c.at >= since)
    if until is not None:
        query = query.where(audit.c.at <= until)
    if job_id is not None:
        query = query.where(audit.c.job_id == job_id)
    return [
        {
            "id": r.id,
            "at": iso(r.at),
            "actor": r.actor,
            "action": r.action,
            "target_id": r.target_id,
            "target_name": r.target_name,
            "before": r.before,
            "after": r.after,
            "request_id": r.request_id,
            "job_id": r.job_id,
        }
        for r in conn.execute(query)
    ]
