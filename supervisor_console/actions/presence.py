"""Actions a supervisor may take on a signed-in user: force logout, set status."""

from __future__ import annotations

from typing import Any

from supervisor_console.actions.base import (
    ENABLED,
    ApiCall,
    Availability,
    Confirmation,
    DialogKind,
    Prepared,
    UserAction,
    UserReads,
    plural,
    precondition,
    who,
)
from supervisor_console.actions.params import LogoutParams, StatusChoice
from supervisor_console.api.errors import ApiError
from supervisor_console.api.types import Status, UserRow


def _no_sessions(row: UserRow) -> Availability:
    return Availability(False, f"{row.name} has no active sessions.")


def call_note(row: UserRow) -> list[str]:
    """The consequence for a live call, when ending sessions ends it too."""
    call = row.live_call
    if call is None:
        return []
    return [f"The live call with {call.peer} will be disconnected; its log is kept."]


def _logout_call(row: UserRow, params: LogoutParams) -> ApiCall:
    body: dict[str, Any] = {"expected_status": row.status.value}
    if params.session_id is not None:
        body["session_id"] = params.session_id
    return ApiCall("POST", f"/users/{row.id}/logout", body, headers=precondition(row))


def _logout_message(row: UserRow, answer: dict[str, Any]) -> str:
    ended = answer.get("ended_sessions")
    count = ended if isinstance(ended, int) else 0
    return f"{row.name} was logged out ({plural(count, 'session')} ended)."


class LogoutAllAction(UserAction[LogoutParams]):
    key = "logout"
    label = "Force logout (all sessions)"
    short_label = "Log out all"
    shortcut = "L"
    verb = "log users out"

    def rule(self, row: UserRow) -> Availability:
        return ENABLED if row.session_count > 0 else _no_sessions(row)

    def confirmation(self, row: UserRow, params: LogoutParams) -> Confirmation:
        details = [
            f"{plural(row.session_count, 'active session')} of {who(row)} will end; "
            "they will show Offline.",
            *call_note(row),
        ]
        return Confirmation(
            "Force logout", f"Log out {row.name} from all sessions?", tuple(details)
        )

    def call(self, row: UserRow, params: LogoutParams) -> ApiCall:
        return _logout_call(row, LogoutParams())

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        return _logout_message(row, answer)


class LogoutSessionAction(UserAction[LogoutParams]):
    key = "logout-session"
    label = "Force logout one session…"
    short_label = "Log out one…"
    shortcut = "Shift+L"
    verb = "log users out"
    dialog = DialogKind.PICK_SESSION

    def rule(self, row: UserRow) -> Availability:
        return ENABLED if row.session_count > 0 else _no_sessions(row)

    async def prepare(self, reads: UserReads, row: UserRow) -> Prepared:
        """The user's sessions as the server has them now, for the picker."""
        try:
            sessions = await reads.sessions(row.id)
        except ApiError as exc:
            text = f"Could not load the sessions of {row.name}: {exc}"
            return Prepared(title="Force logout", refusal=text)
        if not sessions:
            text = f"{row.name} has no active sessions now."
            return Prepared(title="Force logout", refusal=text)
        return Prepared(sessions)

    def confirmation(self, row: UserRow, params: LogoutParams) -> Confirmation:
        details = [f"The chosen session of {who(row)} will end."]
        if row.session_count <= 1:
            details.append("It is their only session: they will show Offline.")
            details.extend(call_note(row))
        question = f"Log out {row.name} from session {params.session_id}?"
        return Confirmation("Force logout", question, tuple(details))

    def call(self, row: UserRow, params: LogoutParams) -> ApiCall:
        return _logout_call(row, params)

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        return _logout_message(row, answer)


class SetStatusAction(UserAction[StatusChoice]):
    key = "set-status"
    label = "Set status…"
    shortcut = "S"
    verb = "set statuses"
    dialog = DialogKind.SET_STATUS

    def rule(self, row: UserRow) -> Availability:
        if row.status is Status.OFFLINE:
            reason = f"{row.name} is Offline; a status can only be set for a signed-in user."
            return Availability(False, reason)
        return ENABLED

    def call(self, row: UserRow, params: StatusChoice) -> ApiCall:
        text = (params.text or "").strip() or None
        body = {
            "expected_status": row.status.value,
            "status": params.status.value,
            "text": text if params.status is Status.OTHER else None,
        }
        return ApiCall("PUT", f"/users/{row.id}/status", body, headers=precondition(row))

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        user = answer.get("user")
        status = user.get("status") if isinstance(user, dict) else None
        label = Status(status).label if status in set(Status) else "updated"
        text = user.get("status_text") if isinstance(user, dict) else None
        return f"{row.name} is now {label}{f': {text}' if text else ''}."
