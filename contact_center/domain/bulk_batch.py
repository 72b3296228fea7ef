"""The fast path of a bulk job: one chunk of users with shared reads and batched writes.

Per user only the action's own statements run; the row reads, the feed entries, the
"after" reads, the audit records and the item outcomes are one statement each per chunk.
Checks run first, so an action that raises is unexpected: the caller then rolls the chunk
back and replays it user by user, each in a savepoint.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from contact_center.domain import authority
from contact_center.domain.actions import admit, with_mail
from contact_center.domain.audit import audit_view
from contact_center.domain.authority import Actor
from contact_center.domain.errors import ConflictError, RefusedError
from contact_center.domain.outbox import MailSettings
from contact_center.domain.rules import ACTIONS
from contact_center.domain.users import display_name
from contact_center.storage.clock import now
from contact_center.storage.journal import touch
from contact_center.storage.rows import Row, user_rows
from contact_center.storage.tables import audit, users

Outcome = tuple[str, str | None]


def run_batch(
    conn: Connection,
    name: str,
    items: list[tuple[int, int | None]],
    actor: Actor,
    params: dict[str, Any],
    job_id: int,
    mail: MailSettings | None = None,
) -> list[Outcome]:
    """Apply `name` to each (user id, expected version); outcomes in the same order.

    The caller has checked `actor`'s authority in this transaction (and taken the
    authority lock when the action needs it)."""
    spec = ACTIONS[name]
    ids = [uid for uid, _ in items]
    # Locked in id order, as every writer that locks several users does (the simulator):
    # two transactions taking the same rows in different orders deadlock on PostgreSQL.
    locked = select(users).where(users.c.id.in_(ids)).order_by(users.c.id).with_for_update()
    raws = {r.id: dict(r._mapping) for r in conn.execute(locked)}
    views = {r["id"]: r for r in user_rows(conn, ids)}
    outcomes: list[Outcome] = []
    applied: list[Row] = []
    admins: int | None = None  # active admins left, counted when an admin is about to go
    for uid, expected in items:
        raw = raws.get(uid)
        if raw is None:
            outcomes.append(("skipped", "user no longer exists"))
            continue
        try:
            admit(name, raw, views[uid], actor, params, expected_version=expected)
        except RefusedError as exc:
            outcomes.append(("skipped", exc.reason))
            continue
        except ConflictError as exc:
            outcomes.append(("skipped", str(exc).removesuffix(" Nothing was done.")))
            continue
        if authority.removes_admin(name, raw, params):
            if admins is None:
                admins = authority.active_admins(conn)
            if admins <= 1:
                outcomes.append(("skipped", "last active admin"))
                continue
            admins -= 1
        spec.apply(conn, raw, actor.username, with_mail(dict(params), mail))
        applied.append(raw)
        outcomes.append(("done", None))
    _record(conn, name, applied, actor.username, job_id)
    return outcomes


def _record(conn: Connection, name: str, applied: list[Row], actor: str, job_id: int) -> None:
    if not applied:
        return
    changed = [raw["id"] for raw in applied] if name != "delete" else []
    touch(conn, changed, actor)
    after: dict[int, Row] = {}
    if changed:
        found = conn.execute(select(users).where(users.c.id.in_(changed)))
        after = {r.id: dict(r._mapping) for r in found}
    at = now()
    conn.execute(
        audit.insert(),
        [
            {
                "at": at, "actor": actor, "action": name, "target_id": raw["id"],
                "target_name": display_name(raw), "before": audit_view(raw),
                "after": audit_view(after.get(raw["id"])), "request_id": None, "job_id": job_id,
            }
            for raw in applied
        ],
    )  # fmt: skip
