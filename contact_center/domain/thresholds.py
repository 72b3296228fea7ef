"""The time limits (issue 15): for each kind of state, after how long the console warns and
after how long it alerts (docs/rules.md, "Time limits"; docs/API.md, "Time limits").

One row of `settings` holds them for every console. A change is checked against the
caller's role in its own transaction, against the version the admin saw (If-Match), and
against the rule 0 < warn < alert <= 24 h for every kind; it writes one audit record and a
journal entry that wakes every long poll (`journal.record_settings_change`), whose answer
then carries the new `settings_version`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from contact_center.domain import authority
from contact_center.domain.audit import write_audit
from contact_center.domain.errors import ConflictError
from contact_center.storage.clock import iso, now
from contact_center.storage.journal import THRESHOLDS, record_settings_change
from contact_center.storage.store import transaction_lock
from contact_center.storage.tables import settings

# The kinds, in the order every answer lists them, and their defaults (warn, alert) in s.
DEFAULTS: dict[str, tuple[int, int]] = {
    "break": (900, 1200),
    "dnd": (600, 1200),
    "meeting": (3600, 5400),
    "other": (900, 1800),
    "unavailable": (120, 300),
    "call": (600, 1200),  # a Busy call's length
    "stuck": (60, 300),  # Busy or Unavailable without a live call
}
KINDS = tuple(DEFAULTS)
MAX_SECONDS = 86_400
VERB = "change time limits"
AUDIT_ACTION = "thresholds"
# Two admins' changes on two instances at once are applied one after the other.
LOCK = "settings thresholds"

WARN_TOO_SMALL = "The warning limit must be at least 1 second."
ALERT_TOO_LONG = f"The alert limit must be at most {MAX_SECONDS} seconds (24 hours)."
ALERT_NOT_LONGER = "The alert limit must be longer than the warning limit."

Limits = dict[str, dict[str, int]]


def _limits(stored: Any) -> Limits:
    """All kinds, in order: the stored limits over the defaults."""
    stored = stored if isinstance(stored, dict) else {}
    out: Limits = {}
    for kind, (warn, alert) in DEFAULTS.items():
        pair = stored.get(kind)
        if isinstance(pair, dict) and "warn_s" in pair and "alert_s" in pair:
            warn, alert = int(pair["warn_s"]), int(pair["alert_s"])
        out[kind] = {"warn_s": warn, "alert_s": alert}
    return out


def read(conn: Connection) -> dict[str, Any]:
    """The GET answer: {"version", "thresholds", "changed_by", "changed_at"}."""
    found = conn.execute(
        select(settings.c.value, settings.c.version, settings.c.changed_by, settings.c.changed_at)
        .where(settings.c.name == THRESHOLDS)
    ).first()  # fmt: skip
    if found is None:
        return {"version": 0, "thresholds": _limits({}), "changed_by": None, "changed_at": None}
    return {
        "version": int(found.version),
        "thresholds": _limits(found.value),
        "changed_by": found.changed_by,
        "changed_at": iso(found.changed_at),
    }


def invalid(changes: Limits) -> dict[str, str]:
    """Each kind whose limits break the rule 0 < warn < alert <= 24 h, and why (one sentence
    per kind: the first rule it breaks)."""
    errors: dict[str, str] = {}
    for kind, pair in changes.items():
        warn, alert = pair["warn_s"], pair["alert_s"]
        if warn < 1:
            errors[kind] = WARN_TOO_SMALL
        elif alert > MAX_SECONDS:
            errors[kind] = ALERT_TOO_LONG
        elif alert <= warn:
            errors[kind] = ALERT_NOT_LONGER
    return errors


def change(
    conn: Connection,
    actor: str,
    changes: Limits,
    *,
    expected_version: int,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Apply `changes` (some kinds; the others keep their limits) if `actor` is still an
    admin and the limits are still at `expected_version`; the new GET answer. Nothing is
    written when nothing differs. Raises ForbiddenError or ConflictError (nothing changed);
    `changes` must have passed `invalid`."""
    transaction_lock(conn, LOCK)
    authority.current_actor(conn, actor, admin_only=True, verb=VERB)
    current = read(conn)
    if current["version"] != expected_version:
        by = f" by {current['changed_by']}" if current["changed_by"] else ""
        raise ConflictError(
            f"The time limits were changed{by} since you looked (now version "
            f"{current['version']}, you saw version {expected_version}). Nothing was changed."
        )
    before: Limits = current["thresholds"]
    after = {kind: dict(before[kind]) for kind in KINDS}
    for kind, pair in changes.items():
        after[kind] = {"warn_s": int(pair["warn_s"]), "alert_s": int(pair["alert_s"])}
    if after == before:
        return current
    version = expected_version + 1
    values = {"value": after, "version": version, "changed_by": actor, "changed_at": now()}
    if expected_version == 0 and not _row_exists(conn):
        conn.execute(insert(settings).values(name=THRESHOLDS, **values))
    else:
        conn.execute(update(settings).where(settings.c.name == THRESHOLDS).values(**values))
    write_audit(
        conn, actor=actor, action=AUDIT_ACTION, target_id=None, target_name="time limits",
        before=before, after=after, request_id=request_id,
    )  # fmt: skip
    record_settings_change(conn)
    return read(conn)


def _row_exists(conn: Connection) -> bool:
    found = conn.execute(select(settings.c.name).where(settings.c.name == THRESHOLDS)).first()
    return found is not None
