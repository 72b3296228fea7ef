"""Edit a user's details: docs/rules.md, "Edit user".

One transaction: the actor's authority (authority.py), the row version the editor saw, every
field checked (all bad fields reported together), the phone number moved in the inventory,
one audit record ("edit") and a feed entry.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, select, update

from contact_center.domain import auth, authority
from contact_center.domain.actions import check_precondition
from contact_center.domain.audit import audit_view, write_audit
from contact_center.domain.errors import ForbiddenError, InvalidFieldsError, RefusedError
from contact_center.domain.users import (
    EMAIL_LOCK,
    EMAIL_RE,
    display_name,
    email_owner,
    load_raw,
)
from contact_center.storage.journal import touch
from contact_center.storage.rows import Row, user_name
from contact_center.storage.store import transaction_lock
from contact_center.storage.tables import phone_numbers, users

EDITABLE = (
    "first_name", "last_name", "email", "extension", "phone_number", "role",
    "desks", "skills", "tags",
)  # fmt: skip
EXTENSION_RE = re.compile(r"^[0-9]{2,16}$")
VERB = "edit users"


def edit_user(
    conn: Connection,
    user_id: int,
    actor: str,
    changes: dict[str, Any],
    *,
    expected_version: int,
    request_id: str | None = None,
) -> list[str]:
    """Apply `changes` (a subset of EDITABLE) to the user; the fields that changed.

    Raises ForbiddenError (403), RefusedError (409), ConflictError (409: the version),
    InvalidFieldsError (422, every bad field) or NotFoundError; nothing is changed then.
    """
    changes = {k: v for k, v in changes.items() if k in EDITABLE}
    if "role" in changes:
        authority.lock_if_needed(conn, "set-role")
    if changes.get("email"):
        transaction_lock(conn, EMAIL_LOCK)
    who = authority.current_actor(conn, actor, admin_only=False, verb=VERB)
    raw = load_raw(conn, user_id)
    authority.check_target("edit", VERB, raw, who)
    if "role" in changes and changes["role"] != raw["role"]:
        if who.role != "admin":
            raise ForbiddenError(
                f"Your role ({who.role}) cannot change roles.", f"role is {who.role}"
            )
        if raw["username"] == who.username:
            raise RefusedError("You cannot change your own role.", "your own account")
    check_precondition(raw, None, expected_version)
    values = {k: v for k, v in _validated(conn, raw, changes).items() if v != raw[k]}
    if not values:
        return []
    if "role" in values:
        authority.check_admins_left(conn, "set-role", raw, {"role": values["role"]})
    if "phone_number" in values:
        _move_number(conn, user_id, values["phone_number"])
    conn.execute(update(users).where(users.c.id == user_id).values(**values))
    if "role" in values:
        # As set-role: a token carries the authority of the role it was issued for.
        auth.revoke_user_tokens(conn, user_id)
    touch(conn, [user_id], actor)
    after = dict(conn.execute(select(users).where(users.c.id == user_id)).one()._mapping)
    write_audit(
        conn,
        actor=actor,
        action="edit",
        target_id=user_id,
        target_name=display_name(after),
        before=_audited(raw),
        after=_audited(after),
        request_id=request_id,
    )
    return list(values)


def _audited(raw: Row) -> dict[str, Any]:
    view = audit_view(raw)
    assert view is not None
    return {**view, "extension": raw["extension"]}


def _validated(conn: Connection, raw: Row, changes: dict[str, Any]) -> dict[str, Any]:
    """The new values, cleaned; InvalidFieldsError names every field that is not acceptable."""
    uid = raw["id"]
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, label in (("first_name", "first name"), ("last_name", "last name")):
        if field in changes:
            values[field] = str(changes[field] or "").strip()
            if not values[field]:
                errors[field] = f"The {label} cannot be empty."
    if "email" in changes:
        email = str(changes["email"] or "").strip() or None
        values["email"] = email
        if email is not None:
            if not EMAIL_RE.match(email):
                errors["email"] = f"{email!r} is not a valid email address."
            elif (owner := email_owner(conn, email, uid)) is not None:
                errors["email"] = f"That email is already used by {owner}."
    if "extension" in changes:
        ext = values["extension"] = str(changes["extension"] or "").strip()
        if not EXTENSION_RE.match(ext):
            errors["extension"] = "An extension is 2 to 16 digits."
        elif (owner := _extension_owner(conn, ext, uid)) is not None:
            errors["extension"] = f"Extension {ext} is already {owner}'s."
    if "phone_number" in changes:
        number = str(changes["phone_number"] or "").strip() or None
        values["phone_number"] = number
        if number is not None and (why := _number_problem(conn, number, uid)) is not None:
            errors["phone_number"] = why
    if "role" in changes:
        values["role"] = changes["role"]
    for field in ("desks", "skills", "tags"):
        if field in changes:
            values[field] = list(dict.fromkeys(str(v).strip() for v in changes[field] or []))
            if "" in values[field]:
                errors[field] = f"The {field} cannot include an empty name."
    if errors:
        raise InvalidFieldsError(errors)
    return values


def _extension_owner(conn: Connection, extension: str, uid: int) -> str | None:
    other = conn.execute(
        select(users.c.first_name, users.c.last_name, users.c.username)
        .where(users.c.extension == extension, users.c.id != uid)
        .limit(1)
    ).first()
    return None if other is None else user_name(other.first_name, other.last_name, other.username)


def _number_problem(conn: Connection, number: str, uid: int) -> str | None:
    """Why `number` cannot be given to user `uid` (None: it is available, or already theirs)."""
    found = conn.execute(
        select(phone_numbers.c.user_id, phone_numbers.c.state)
        .where(phone_numbers.c.number == number)
        .with_for_update()
    ).first()
    if found is None:
        return f"The number {number} is not in the inventory."
    if found.user_id == uid:
        return None
    if found.user_id is not None:
        holder = conn.execute(
            select(users.c.first_name, users.c.last_name, users.c.username).where(
                users.c.id == found.user_id
            )
        ).one()
        name = user_name(holder.first_name, holder.last_name, holder.username)
        return f"The number {number} is not available: it is {name}'s."
    if found.state != "available":
        return f"The number {number} is not available."
    return None


def _move_number(conn: Connection, uid: int, number: str | None) -> None:
    """The user's other numbers go back to the inventory; `number` (if any) becomes theirs."""
    conn.execute(
        update(phone_numbers)
        .where(phone_numbers.c.user_id == uid, phone_numbers.c.number != (number or ""))
        .values(user_id=None, state="available")
    )
    if number is not None:
        conn.execute(
            update(phone_numbers)
            .where(phone_numbers.c.number == number)
            .values(user_id=uid, state="assigned")
        )


def list_numbers(conn: Connection, available: bool | None) -> list[dict[str, Any]]:
    """The phone number inventory, optionally only the available (or only the assigned)."""
    query = select(phone_numbers).order_by(phone_numbers.c.number)
    if available is True:
        query = query.where(phone_numbers.c.state == "available", phone_numbers.c.user_id.is_(None))
    elif available is False:
        query = query.where(
            (phone_numbers.c.state != "available") | phone_numbers.c.user_id.is_not(None)
        )
    return [
        {"number": r.number, "state": r.state, "user_id": r.user_id} for r in conn.execute(query)
    ]
