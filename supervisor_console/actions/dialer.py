"""Reset dialer status: its texts word for word (docs/console-notes.md, 3.2)."""

from __future__ import annotations

from typing import Any

from supervisor_console.actions.base import (
    ENABLED,
    ApiCall,
    Availability,
    Confirmation,
    UserAction,
    precondition,
    who,
)
from supervisor_console.api.types import Status, UserRow

RESETTABLE = frozenset({Status.UNAVAILABLE, Status.BUSY})
QUESTION_UNAVAILABLE = "Are you sure you want to mark this user as Available?"
QUESTION_BUSY = (
    "Are you sure you want to mark this user as Available? "
    "If the user is currently on a call, the call will be automatically disconnected."
)
ONLY_UNAVAILABLE_OR_BUSY = (
    "The dialer reset applies only to users whose status shows Unavailable or Busy."
)
OFFLINE_CHECK = "Check that the user is signed in and that the dialer is enabled for their account."

# The help page's troubleshooting, adapted to a console that updates live (no page to
# refresh): docs/console-notes.md, 3.2.
TROUBLESHOOTING_TITLE = "The status did not update after the reset"
TROUBLESHOOTING_STEPS: tuple[str, ...] = (
    "Check the connection status at the bottom of the window: the panel may be stale.",
    "If the status remains unchanged, wait 30 seconds and check the row again.",
    "If it still does not update, ask the user to close and reopen their dialer.",
    "If calls still do not connect: the user sets Available inside the dialer too, allows "
    "the microphone in the browser, and uses Google Chrome.",
    "If the issue continues, contact support.",
)


def reset_question(status: Status) -> str:
    """The confirmation text chosen by the status the supervisor saw."""
    return QUESTION_BUSY if status is Status.BUSY else QUESTION_UNAVAILABLE


def not_resettable_reason(row: UserRow) -> str:
    if row.status is Status.OFFLINE:
        return f"{ONLY_UNAVAILABLE_OR_BUSY} {row.name} is Offline. {OFFLINE_CHECK}"
    return f"{ONLY_UNAVAILABLE_OR_BUSY} {row.name} is {row.status.label}."


class ResetDialerAction(UserAction[None]):
    key = "reset-dialer"
    label = "Reset dialer status"
    short_label = "Reset dialer"
    shortcut = "R"
    verb = "reset dialers"
    watch_after_run = True

    def rule(self, row: UserRow) -> Availability:
        if row.status in RESETTABLE:
            return ENABLED
        offline = row.status is Status.OFFLINE
        return Availability(False, not_resettable_reason(row), explain=offline)

    def confirmation(self, row: UserRow, params: None) -> Confirmation:
        details = [f"{who(row)} shows {row.status.label}."]
        call = row.live_call
        if row.status is Status.BUSY and call is not None:
            details.append(
                f"Live call: {call.direction} with {call.peer}. "
                "Its call log and recording are kept."
            )
        return Confirmation(self.label, reset_question(row.status), tuple(details))

    def call(self, row: UserRow, params: None) -> ApiCall:
        body = {"expected_status": row.status.value}
        return ApiCall("POST", f"/users/{row.id}/reset-dialer", body, headers=precondition(row))

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        message = answer.get("message")
        return message if isinstance(message, str) else f"{row.name} is now Available."
