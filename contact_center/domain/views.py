"""Saved views (issue 15): a console user's named layouts of the panel, private or shared
(docs/rules.md, "Saved views"; docs/API.md, "Saved views").

- Anyone who may use the console keeps views; a caller sees their own and every shared
  one; another user's private view does not exist for them (not found).
- Only the owner changes a view; the owner, or an admin for a shared view, deletes it.
- Names are unique per owner ignoring case (`str.casefold`), 1 to 60 characters.
- The layout is the console's: any JSON object up to 64 KB, stored as given.
- Changes to shared views (made, changed, or deleted, and a view that stops being shared)
  write an audit record; private views are the owner's business.

The caller's role is read in the write's own transaction, as for the actions.
"""

from __future__ import annotations

import json
import math
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from contact_center.domain import authority
from contact_center.domain.audit import write_audit
from contact_center.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidFieldsError,
    NotFoundError,
    RefusedError,
)
from contact_center.storage.clock import iso, now
from contact_center.storage.store import transaction_lock
from contact_center.storage.tables import saved_views, users

MAX_NAME = 60
MAX_LAYOUT_BYTES = 64 * 1024
MAX_LAYOUT_DEPTH = 64
VERB = "keep views"

NAME_EMPTY = "The name of a view cannot be empty."
LAYOUT_TOO_LARGE = "The layout is larger than 64 KB ({size} bytes as JSON)."
LAYOUT_TOO_DEEP = f"The layout is nested too deeply (more than {MAX_LAYOUT_DEPTH} levels)."
LAYOUT_NOT_FINITE = "The layout must be plain JSON: no NaN or Infinity."
LAYOUT_NUL = "Text must not contain the NUL character (U+0000)."
LAYOUT_SURROGATE = "Text must be valid Unicode (no unpaired surrogate)."

View = dict[str, Any]


class NameTakenError(RefusedError):
    """The owner already has a view of that name (ignoring case); nothing was changed."""


def name_key(name: str) -> str:
    return name.casefold()


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidFieldsError({"name": NAME_EMPTY})
    return name


def layout_problem(layout: dict[str, Any]) -> str | None:
    """Why `layout` cannot be stored and given back as it is, or None."""
    stack: list[tuple[Any, int]] = [(layout, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_LAYOUT_DEPTH:
            return LAYOUT_TOO_DEEP
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((key, depth))
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, float) and not math.isfinite(value):
            return LAYOUT_NOT_FINITE
        elif isinstance(value, str):
            if "\x00" in value:
                return LAYOUT_NUL
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return LAYOUT_SURROGATE
    size = len(json.dumps(layout, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_LAYOUT_BYTES:
        return LAYOUT_TOO_LARGE.format(size=size)
    return None


def _checked_layout(layout: dict[str, Any]) -> dict[str, Any]:
    problem = layout_problem(layout)
    if problem is not None:
        raise InvalidFieldsError({"layout": problem})
    return layout


_COLUMNS = [
    saved_views.c.id,
    saved_views.c.name,
    users.c.username.label("owner"),
    saved_views.c.owner_id,
    saved_views.c.shared,
    saved_views.c.layout,
    saved_views.c.created_at,
    saved_views.c.updated_at,
    saved_views.c.version,
]


def _query() -> Any:
    return select(*_COLUMNS).select_from(
        saved_views.join(users, users.c.id == saved_views.c.owner_id)
    )


def _to_json(r: Any) -> View:
    return {
        "id": r.id,
        "name": r.name,
        "owner": r.owner,
        "shared": bool(r.shared),
        "layout": r.layout,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
        "version": int(r.version),
    }


def _sort_key(view: View) -> tuple[str, str, str, int]:
    return (name_key(view["name"]), view["name"], view["owner"], view["id"])


def listing(conn: Connection, user_id: int) -> list[View]:
    """The caller's own views and every shared one, by name (ignoring case, then owner)."""
    found = conn.execute(
        _query().where(or_(saved_views.c.owner_id == user_id, saved_views.c.shared.is_(True)))
    )
    return sorted((_to_json(r) for r in found), key=_sort_key)


def _visible(conn: Connection, view_id: int, user_id: int) -> tuple[View, int]:
    """The view and its owner's id, if the caller may see it; else NotFoundError."""
    found = conn.execute(_query().where(saved_views.c.id == view_id)).first()
    if found is None or (found.owner_id != user_id and not found.shared):
        raise NotFoundError(f"There is no view with id {view_id}.")
    return _to_json(found), int(found.owner_id)


def visible(conn: Connection, view_id: int, user_id: int) -> View | None:
    """The view as the caller may see it now (a 409's `current`), or None."""
    try:
        return _visible(conn, view_id, user_id)[0]
    except NotFoundError:
        return None


def _name_taken(conn: Connection, owner_id: int, name: str, but: int | None = None) -> None:
    query = select(saved_views.c.name).where(
        saved_views.c.owner_id == owner_id, saved_views.c.name_key == name_key(name)
    )
    if but is not None:
        query = query.where(saved_views.c.id != but)
    taken = conn.execute(query).scalar_one_or_none()
    if taken is not None:
        raise NameTakenError(f"You already have a view named {taken}.", "name taken")


def _audited(view: View) -> dict[str, Any]:
    return {k: view[k] for k in ("id", "name", "owner", "shared", "layout")}


def _audit(
    conn: Connection, actor: str, action: str, before: View | None, after: View | None,
    request_id: str | None,
) -> None:  # fmt: skip
    if not ((before and before["shared"]) or (after and after["shared"])):
        return  # private views are not audited
    shown = after or before
    assert shown is not None
    write_audit(
        conn, actor=actor, action=action, target_id=None, target_name=shown["name"],
        before=None if before is None else _audited(before),
        after=None if after is None else _audited(after), request_id=request_id,
    )  # fmt: skip


def create(
    conn: Connection,
    actor: str,
    *,
    name: str,
    shared: bool,
    layout: dict[str, Any],
    request_id: str | None = None,
) -> View:
    """A new view of `actor`'s. InvalidFieldsError, ForbiddenError or NameTakenError."""
    name, layout = _checked_name(name), _checked_layout(layout)
    who = authority.current_actor(conn, actor, admin_only=False, verb=VERB)
    transaction_lock(conn, f"views of {who.id}")  # two instances creating the same name
    _name_taken(conn, who.id, name)
    at = now()
    view_id = conn.execute(
        insert(saved_views)
        .values(
            owner_id=who.id, name=name, name_key=name_key(name), shared=shared,
            layout=layout, version=1, created_at=at, updated_at=at,
        )
        .returning(saved_views.c.id)
    ).scalar_one()  # fmt: skip
    view, _ = _visible(conn, int(view_id), who.id)
    _audit(conn, actor, "view-create", None, view, request_id)
    return view


def change(
    conn: Connection,
    actor: str,
    view_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int,
    request_id: str | None = None,
) -> View:
    """Change any of name, shared, layout of the caller's own view, if it is still at
    `expected_version`. NotFoundError, ForbiddenError, ConflictError, InvalidFieldsError
    or NameTakenError; nothing is written when nothing differs."""
    errors: dict[str, str] = {}
    if "name" in changes:
        try:
            changes["name"] = _checked_name(changes["name"])
        except InvalidFieldsError as exc:
            errors.update(exc.errors)
    if "layout" in changes:
        problem = layout_problem(changes["layout"])
        if problem is not None:
            errors["layout"] = problem
    if errors:
        raise InvalidFieldsError(errors)
    who = authority.current_actor(conn, actor, admin_only=False, verb=VERB)
    transaction_lock(conn, f"views of {who.id}")
    before, owner_id = _visible(conn, view_id, who.id)
    if owner_id != who.id:
        raise ForbiddenError(
            f"The view {before['name']} is {before['owner']}'s: only its owner can change it."
        )
    if before["version"] != expected_version:
        raise ConflictError(
            f"The view {before['name']} changed since you looked (version {before['version']},"
            f" you saw version {expected_version}). Nothing was changed."
        )
    # A layout is stored as given: the same keys in another order are a change.
    values = {
        k: v
        for k, v in changes.items()
        if (json.dumps(v) != json.dumps(before[k]) if k == "layout" else before[k] != v)
    }
    if not values:
        return before
    if "name" in values:
        _name_taken(conn, who.id, values["name"], but=view_id)
        values["name_key"] = name_key(values["name"])
    conn.execute(
        update(saved_views)
        .where(saved_views.c.id == view_id)
        .values(**values, version=saved_views.c.version + 1, updated_at=now())
    )
    after, _ = _visible(conn, view_id, who.id)
    _audit(conn, actor, "view-update", before, after, request_id)
    return after


def remove(conn: Connection, actor: str, view_id: int, *, request_id: str | None = None) -> None:
    """Delete a view: its owner's, or a shared one by an admin. NotFoundError or
    ForbiddenError."""
    who = authority.current_actor(conn, actor, admin_only=False, verb=VERB)
    view, owner_id = _visible(conn, view_id, who.id)
    if owner_id != who.id and who.role != "admin":
        raise ForbiddenError(
            f"The view {view['name']} is {view['owner']}'s: only its owner or an admin can "
            "delete it."
        )
    conn.execute(delete(saved_views).where(saved_views.c.id == view_id))
    _audit(conn, actor, "view-delete", view, None, request_id)
