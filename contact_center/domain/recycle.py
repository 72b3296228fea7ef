"""Reset and recycle a seat for a new hire: the seven options of docs/rules.md, "Reset and
recycle".

Call logs and recordings are never touched; shared contacts are never touched.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from contact_center.domain.errors import BadInputError, RefusedError
from contact_center.storage.rows import Row
from contact_center.storage.tables import (
    answering_rules,
    contacts,
    devices,
    greetings,
    lines,
    phone_numbers,
    users,
    voicemails,
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_RULE = {"name": "Default", "is_default": True, "action": "Ring all of the user's phones"}


def _count_delete(conn: Connection, stmt: Any) -> int:
    return int(conn.execute(stmt).rowcount)


def reset_user(conn: Connection, raw: Row, params: dict[str, Any]) -> dict[str, Any]:
    """Apply the chosen reset options; name and email are cleared, or replaced when recycled."""
    uid = raw["id"]
    summary: dict[str, Any] = {}
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
    recycle = params.get("recycle")
    if recycle:
        email = str(recycle.get("email") or "").strip()
        first = str(recycle.get("first_name") or "").strip()
        last = str(recycle.get("last_name") or "").strip()
        if not first or not last:
            raise BadInputError("Recycling needs the new user's first and last name.")
        if not EMAIL_RE.match(email):
            raise BadInputError(f"{email!r} is not a valid email address.")
        taken = conn.execute(
            select(func.count()).where(users.c.email == email, users.c.id != uid)
        ).scalar_one()
        if taken:
            raise RefusedError(f"The email {email} already belongs to another user.")
        values: dict[str, str | None] = {"first_name": first, "last_name": last, "email": email}
        summary["recycled_as"] = values
        summary["welcome_email"] = "queued" if recycle.get("send_welcome_email") else "not sent"
    else:
        values = {"first_name": "", "last_name": "", "email": None}
    conn.execute(update(users).where(users.c.id == uid).values(**values))
    return {"summary": summary}


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
