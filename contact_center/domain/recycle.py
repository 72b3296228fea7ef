"""Reset and recycle a seat for a new hire: the seven options of docs/rules.md, "Reset and
recycle".

A recycle hands the seat over in the same transaction: the old holder's sessions, tokens and
live call end, the password and two-factor authentication are cleared (nobody can sign in
until the new holder sets a password through the welcome link or an admin resets it), and
so are skills, tags and desks unless kept. Call logs and recordings are never touched;
shared contacts are never touched.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, update

from contact_center.domain import auth, welcome
from contact_center.domain.errors import BadInputError, RefusedError
from contact_center.domain.outbox import DEFAULT_MAIL, MailSettings
from contact_center.domain.users import (
    EMAIL_LOCK,
    EMAIL_RE,
    email_owner,
    end_live_call,
    set_status,
)
from contact_center.storage.rows import Row, user_name
from contact_center.storage.store import transaction_lock
from contact_center.storage.tables import (
    answering_rules,
    contacts,
    devices,
    greetings,
    lines,
    phone_numbers,
    sessions,
    users,
    voicemails,
)

DEFAULT_RULE = {"name": "Default", "is_default": True, "action": "Ring all of the user's phones"}


def _count_delete(conn: Connection, stmt: Any) -> int:
    return int(conn.execute(stmt).rowcount)


def check_recycle(recycle: dict[str, Any]) -> dict[str, str]:
    """The recycle's own input, field by field (empty: acceptable). Also the bulk reset's
    check of each user's details, before the job is queued."""
    errors = {}
    for key, label in (("first_name", "first"), ("last_name", "last")):
        if not str(recycle.get(key) or "").strip():
            errors[key] = f"Recycling needs the new user's {label} name."
    email = str(recycle.get("email") or "").strip()
    if email and not EMAIL_RE.match(email):
        errors["email"] = f"{email!r} is not a valid email address."
    return errors


def reset_user(
    conn: Connection,
    raw: Row,
    params: dict[str, Any],
    recycle: dict[str, Any] | None,
    mail: MailSettings | None,
) -> dict[str, Any]:
    """Apply the chosen reset options; name and email are cleared, or replaced when recycled."""
    uid = raw["id"]
    summary: dict[str, Any] = {}
    email: str | None = None
    if recycle:
        errors = check_recycle(recycle)
        if errors:
            names = [m for k, m in errors.items() if k != "email"]
            raise BadInputError(
                "Recycling needs the new user's first and last name." if names else
                errors["email"], "; ".join(errors.values()),
            )  # fmt: skip
        email = str(recycle.get("email") or "").strip() or None
        if email is not None:
            transaction_lock(conn, EMAIL_LOCK)
            owner = email_owner(conn, email, uid)
            if owner is not None:
                raise RefusedError(
                    f"The email {email} is already used by {owner}.", "email already used"
                )
    if params.get("delete_voicemail"):
        summary["voicemails_deleted"] = _count_delete(
            conn, delete(voicemails).where(voicemails.c.user_id == uid)
        )
    if params.get("delete_greetings"):
        summary["greetings_deleted"] = _count_delete(
            conn, delete(greetings).where(greetings.c.user_id == uid)
        )
    if params.get("delete_answering_rules"):
        summary["answering_rules_deleted"] = _count_delete(
            conn, delete(answering_rules).where(answering_rules.c.user_id == uid)
        )
        conn.execute(answering_rules.insert().values(user_id=uid, **DEFAULT_RULE))
        summary["default_rule_restored"] = True
    if params.get("delete_custom_contacts"):
        summary["contacts_deleted"] = _count_delete(
            conn, delete(contacts).where(contacts.c.owner_id == uid)
        )
    if params.get("unassign_phone_number"):
        summary["numbers_unassigned"] = _count_delete(
            conn,
            update(phone_numbers)
            .where(phone_numbers.c.user_id == uid)
            .values(user_id=None, state="available"),
        )
        conn.execute(update(users).where(users.c.id == uid).values(phone_number=None))
    if params.get("remove_lines"):
        summary.update(_remove_lines(conn, uid))
    if recycle:
        first = str(recycle.get("first_name") or "").strip()
        last = str(recycle.get("last_name") or "").strip()
        values: dict[str, Any] = {"first_name": first, "last_name": last, "email": email}
        summary["recycled_as"] = dict(values)
        summary.update(_hand_over(conn, uid, bool(recycle.get("keep_assignments"))))
        summary["welcome_email"] = "not sent"
        mail = mail or DEFAULT_MAIL
        if recycle.get("send_welcome_email") and email is not None:
            name = user_name(first, last, raw["username"])
            link = welcome.queue_welcome(conn, mail, uid, raw["username"], name, email)
            summary["welcome_email"] = "queued"
            if not mail.configured:
                # The demo's only way to the link; with SMTP it goes to the new holder only.
                summary["welcome_link"] = link
    else:
        values = {"first_name": "", "last_name": "", "email": None}
    conn.execute(update(users).where(users.c.id == uid).values(**values))
    return {"summary": summary}


def _hand_over(conn: Connection, uid: int, keep_assignments: bool) -> dict[str, Any]:
    """The old holder's sessions, tokens and live call end; their credentials are cleared."""
    ended = int(conn.execute(delete(sessions).where(sessions.c.user_id == uid)).rowcount)
    call = end_live_call(conn, uid, "seat recycled")
    set_status(conn, uid, "offline")
    auth.revoke_user_tokens(conn, uid)
    values: dict[str, Any] = {
        "password_hash": None, "must_change_password": False, "two_factor": False,
        "totp_secret": None, "totp_pending": None, "backup_codes": None,
    }  # fmt: skip
    cleared = ["password", "two_factor", "backup_codes"]
    if not keep_assignments:
        values.update(skills=[], tags=[], desks=[])
        cleared += ["skills", "tags", "desks"]
    conn.execute(update(users).where(users.c.id == uid).values(**values))
    return {"ended_sessions": ended, "ended_call": call, "cleared": cleared}


def _remove_lines(conn: Connection, uid: int) -> dict[str, int]:
    removed = _count_delete(conn, delete(lines).where(lines.c.user_id == uid))
    # Desk phones (with a MAC) go back to inventory; soft and mobile phones are removed.
    freed = _count_delete(
        conn,
        update(devices)
        .where(devices.c.user_id == uid, devices.c.kind == "physical")
        .values(user_id=None),
    )
    gone = _count_delete(
        conn,
        delete(devices).where(devices.c.user_id == uid, devices.c.kind.in_(["soft", "mobile"])),
    )
    return {
        "lines_removed": removed,
        "physical_phones_unassigned": freed,
        "soft_phones_removed": gone,
    }
