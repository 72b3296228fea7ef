"""Edit user (seed 001: "Modify user settings. Then click Save."): names, email, extension,
phone number, role, desks, skills and tags, sent as one PATCH with the version seen.

No Qt here. Only the fields the supervisor changed are sent; a 409 brings the dialog back
with the input kept and, field by field, what someone else changed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from supervisor_console.actions.base import (
    ApiCall,
    DialogKind,
    Prepared,
    UserAction,
    UserReads,
    precondition,
)
from supervisor_console.actions.params import EMAIL_RE
from supervisor_console.api.errors import ApiError
from supervisor_console.api.types import UserRow

TEXT_FIELDS = ("first_name", "last_name", "email", "extension")
LIST_FIELDS = ("desks", "skills", "tags")
LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "extension": "Extension",
    "phone_number": "Phone number",
    "role": "Role",
    "desks": "Desks",
    "skills": "Skills",
    "tags": "Tags",
}
ROLES = ("agent", "supervisor", "admin")


def current_value(row: UserRow, name: str) -> Any:
    """The row's value of an editable field, as the dialog edits it."""
    value = getattr(row, name)
    if name in LIST_FIELDS:
        return list(value)
    return value if value is not None or name in ("email", "phone_number") else ""


def shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(value) or "none"
    return str(value) if value not in (None, "") else "none"


def split_list(text: str) -> list[str]:
    """ "Sales, Support" -> ["Sales", "Support"] (order kept, duplicates and blanks dropped)."""
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


@dataclass(frozen=True, slots=True)
class EditParams:
    """The row as the supervisor saw it and the fields they changed (field -> new value)."""

    seen: UserRow
    changes: dict[str, Any] = field(default_factory=dict)

    def problems(self) -> dict[str, str]:
        """Field -> what is wrong with the new value (the server checks again, and more)."""
        found: dict[str, str] = {}
        for name in ("first_name", "last_name"):
            if name in self.changes and not str(self.changes[name]).strip():
                found[name] = f"Enter the {LABELS[name].lower()}."
        email = self.changes.get("email")
        if email and not EMAIL_RE.match(email):
            found["email"] = f"{email} is not a valid email address."
        extension = self.changes.get("extension")
        if "extension" in self.changes and not (
            isinstance(extension, str) and extension.isdigit() and 2 <= len(extension) <= 10
        ):
            found["extension"] = "An extension is 2 to 10 digits."
        return found

    def changed_meanwhile(self, now: UserRow) -> dict[str, str]:
        """Field -> "X, now Y" for each editable field someone else changed since."""
        found: dict[str, str] = {}
        for name in LABELS:
            before, after = current_value(self.seen, name), current_value(now, name)
            if before != after:
                found[name] = f"Changed meanwhile: was {shown(before)}, now {shown(after)}."
        return found

    def body(self) -> dict[str, Any]:
        return dict(self.changes)


class Inventory(Protocol):
    async def phone_numbers(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class EditContext:
    """What the dialog offers: the free phone numbers, and whether the role is editable."""

    numbers: tuple[str, ...]
    role_editable: bool


class EditUserAction(UserAction[EditParams]):
    key = "edit"
    label = "Edit user…"
    short_label = "Edit…"
    shortcut = "E"
    verb = "edit users"
    dialog = DialogKind.EDIT

    async def prepare(self, reads: UserReads, row: UserRow) -> Prepared:
        """The inventory of free phone numbers (the row's own number stays offered)."""
        numbers: list[str] = []
        load: Callable[[], Any] | None = getattr(reads, "phone_numbers", None)
        if load is not None:
            try:
                numbers = list(await load())
            except ApiError as exc:
                text = f"Could not load the free phone numbers: {exc}"
                return Prepared(title="Edit user", refusal=text)
        if row.phone_number and row.phone_number not in numbers:
            numbers.insert(0, row.phone_number)
        role = getattr(reads, "role", None)
        return Prepared(EditContext(tuple(numbers), role_editable=role == "admin"))

    def call(self, row: UserRow, params: EditParams) -> ApiCall:
        return ApiCall("PATCH", f"/users/{row.id}", params.body(), headers=precondition(row))

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        """Named as the user is now (the edit may have renamed them)."""
        user = answer.get("user")
        if isinstance(user, dict):
            full = f"{user.get('first_name') or ''} {user.get('last_name') or ''}".strip()
            return f"{full or row.name}: changes saved."
        return f"{row.name}: changes saved."
