"""The input some actions collect in their dialog before they run (plain data, no Qt)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from supervisor_console.api.types import Status, UserRow

SETTABLE_STATUSES = (Status.AVAILABLE, Status.BREAK, Status.DND, Status.MEETING, Status.OTHER)
# Available comes back only from these; a Busy or Unavailable dialer takes a reset.
BACK_TO_AVAILABLE_FROM = frozenset({Status.BREAK, Status.DND, Status.MEETING, Status.OTHER})
# The backend's own rule (contact_center/recycle.py), so the dialog refuses what it would.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class LogoutParams:
    session_id: int | None = None  # None: every session


@dataclass(frozen=True, slots=True)
class PasswordParams:
    require_change: bool = True


@dataclass(frozen=True, slots=True)
class StatusChoice:
    status: Status
    text: str | None = None

    def problem(self, row: UserRow | None = None) -> str | None:
        """Why this choice cannot be sent (for `row`, when given), or None."""
        if self.status not in SETTABLE_STATUSES:
            return "Choose Available, Break, Do Not Disturb, Meeting or Other."
        if self.status is Status.OTHER and not (self.text or "").strip():
            return "Say what the status Other means (for example Training)."
        if row is not None and self.status is Status.AVAILABLE:
            if row.status is Status.AVAILABLE:
                return f"{row.name} is already Available."
            if row.status not in BACK_TO_AVAILABLE_FROM:
                return (
                    f"{row.name} is {row.status.label}: use Reset dialer status to make them "
                    "Available."
                )
        return None

    def call_note(self, row: UserRow) -> str | None:
        """What happens to a live call under this status (it goes on)."""
        call = row.live_call
        if call is None or self.status is Status.AVAILABLE:
            return None
        return f"The call with {call.peer} goes on; {row.name} gets no queue calls until Available."


@dataclass(frozen=True, slots=True)
class RecycleInfo:
    first_name: str
    last_name: str
    email: str  # optional: "" when the new user has none (no welcome email then)
    send_welcome_email: bool = False
    keep_assignments: bool = False  # keep the seat's skills, tags and desks

    def problems(self) -> dict[str, str]:
        """Field name -> what is wrong with it (empty when all is well)."""
        found: dict[str, str] = {}
        if not self.first_name.strip():
            found["first_name"] = "Enter the new user's first name."
        if not self.last_name.strip():
            found["last_name"] = "Enter the new user's last name."
        email = self.email.strip()
        if email and not EMAIL_RE.match(email):
            found["email"] = f"{email} is not a valid email address."
        return found

    @property
    def sends_welcome(self) -> bool:
        """Seed 003: "If the new user has an email address…" — only then."""
        return self.send_welcome_email and bool(self.email.strip())


@dataclass(frozen=True, slots=True)
class ResetOption:
    name: str  # field of ResetOptions and of the API body
    label: str
    explanation: str  # one line each (docs/console-notes.md, 3.3)
    review: str  # what the review step says will happen


RESET_OPTIONS: tuple[ResetOption, ...] = (
    ResetOption(
        "delete_voicemail", "Delete Voicemail Messages",
        "Deletes any voicemail messages for the user, including the New, Saved and Trash boxes.",
        "Delete every voicemail message (New, Saved and Trash).",
    ),
    ResetOption(
        "delete_greetings", "Delete Voicemail Greetings",
        "Deletes every voicemail greeting, including time-frame greetings and the recorded name.",
        "Delete every voicemail greeting and the recorded name.",
    ),
    ResetOption(
        "delete_answering_rules", "Delete Answering Rules",
        "Deletes all rules; the default rule to ring the user's phones is put back in place.",
        "Delete all answering rules and restore the default rule (ring the user's phones).",
    ),
    ResetOption(
        "delete_custom_contacts", "Delete Custom Contacts",
        "Deletes all custom contacts. Shared contacts are not touched.",
        "Delete all custom contacts (shared contacts stay).",
    ),
    ResetOption(
        "unassign_phone_number", "Unassign Phone Number",
        "A number routed directly to the user becomes an Available Number, still in inventory.",
        "Unassign the phone number; it returns to the inventory as available.",
    ),
    ResetOption(
        "remove_lines", "Remove lines from physical phones",
        "Removes the user's desk phones (with MAC addresses), soft phones and mobile phones.",
        "Remove the user's lines from desk, soft and mobile phones.",
    ),
    ResetOption(
        "recycle", "Recycle User",
        "Name and email are always cleared; with this option you enter a new name and email.",
        "Set a new name and email for the next person using this seat.",
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ResetOptions:
    delete_voicemail: bool = False
    delete_greetings: bool = False
    delete_answering_rules: bool = False
    delete_custom_contacts: bool = False
    unassign_phone_number: bool = False
    remove_lines: bool = False
    recycle: RecycleInfo | None = None

    def chosen(self) -> list[ResetOption]:
        return [option for option in RESET_OPTIONS if getattr(self, option.name)]

    def body(self) -> dict[str, object]:
        """The API body's option fields (the precondition is added by the action)."""
        body: dict[str, object] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name != "recycle"
        }
        recycle = self.recycle
        body["recycle"] = None
        if recycle is not None:
            body["recycle"] = {
                "first_name": recycle.first_name.strip(),
                "last_name": recycle.last_name.strip(),
                "email": recycle.email.strip() or None,
                "send_welcome_email": recycle.sends_welcome,
                "keep_assignments": recycle.keep_assignments,
            }
        return body
