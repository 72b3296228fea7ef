"""Admin actions on an account: deactivate, activate, reset password or 2FA, delete."""

from __future__ import annotations

from typing import Any

from supervisor_console.actions.base import (
    ENABLED,
    ApiCall,
    Availability,
    Confirmation,
    DialogKind,
    UserAction,
    plural,
    precondition,
    who,
)
from supervisor_console.actions.params import PasswordParams
from supervisor_console.actions.presence import call_note
from supervisor_console.api.types import UserRow

SIGNED_OUT_EVERYWHERE = "{name} will be signed out of every session."


def _signed_out(row: UserRow) -> str:
    return SIGNED_OUT_EVERYWHERE.format(name=row.name)


def _body_call(method: str, path: str, row: UserRow, **extra: Any) -> ApiCall:
    body = {"expected_status": row.status.value, **extra}
    return ApiCall(method, path, body, headers=precondition(row))


def _ended(answer: dict[str, Any]) -> str:
    count = answer.get("ended_sessions")
    return plural(count if isinstance(count, int) else 0, "session")


class _AdminAction(UserAction[Any]):
    admin_only = True
    group = "admin"


class DeactivateAction(_AdminAction):
    key = "deactivate"
    label = "Deactivate"
    shortcut = "Ctrl+D"
    verb = "deactivate users"

    def rule(self, row: UserRow) -> Availability:
        return ENABLED if row.active else Availability(False, f"{row.name} is already deactivated.")

    def confirmation(self, row: UserRow, params: None) -> Confirmation:
        details = (
            _signed_out(row),
            "They will not be able to sign in until an admin activates them again.",
            *call_note(row),
        )
        return Confirmation("Deactivate user", f"Deactivate {who(row)}?", details)

    def call(self, row: UserRow, params: None) -> ApiCall:
        return _body_call("POST", f"/users/{row.id}/deactivate", row)

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        return f"{row.name} was deactivated ({_ended(answer)} ended)."


class ActivateAction(_AdminAction):
    key = "activate"
    label = "Activate"
    shortcut = "Ctrl+Shift+D"
    verb = "activate users"

    def rule(self, row: UserRow) -> Availability:
        return Availability(False, f"{row.name} is already active.") if row.active else ENABLED

    def confirmation(self, row: UserRow, params: None) -> Confirmation:
        details = (f"{row.name} will be able to sign in again.",)
        return Confirmation("Activate user", f"Activate {who(row)}?", details, destructive=False)

    def call(self, row: UserRow, params: None) -> ApiCall:
        return _body_call("POST", f"/users/{row.id}/activate", row)

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        return f"{row.name} was activated."


class ResetPasswordAction(_AdminAction):
    key = "reset-password"
    label = "Reset password…"
    shortcut = "Ctrl+P"
    verb = "reset passwords"
    dialog = DialogKind.RESET_PASSWORD

    def confirmation(self, row: UserRow, params: PasswordParams | None) -> Confirmation:
        details = (
            "A new temporary password will be created and shown once: copy it immediately.",
            _signed_out(row),
            *call_note(row),
        )
        question = f"Reset the password of {who(row)}?"
        return Confirmation("Reset password", question, details, confirm_label="Reset")

    def call(self, row: UserRow, params: PasswordParams) -> ApiCall:
        path = f"/users/{row.id}/reset-password"
        return _body_call("POST", path, row, require_change=params.require_change)

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        if not answer.get("temporary_password"):
            # A replayed answer never repeats the password; the server says so.
            message = answer.get("message")
            return message if isinstance(message, str) else f"{row.name}: password reset."
        return f"The password of {row.name} was reset ({_ended(answer)} ended)."


class ResetTwoFactorAction(_AdminAction):
    key = "reset-2fa"
    label = "Reset 2FA"
    shortcut = "Ctrl+T"
    verb = "reset two-factor authentication"

    def rule(self, row: UserRow) -> Availability:
        if row.two_factor:
            return ENABLED
        reason = f"{row.name} does not have two-factor authentication enabled."
        return Availability(False, reason)

    def confirmation(self, row: UserRow, params: None) -> Confirmation:
        details = (
            "The authenticator app and its backup codes will be cleared.",
            f"{row.name} will need to set up the app and generate new codes at the next sign-in.",
        )
        question = f"Reset two-factor authentication for {who(row)}?"
        return Confirmation("Reset 2FA", question, details)

    def call(self, row: UserRow, params: None) -> ApiCall:
        return _body_call("POST", f"/users/{row.id}/reset-2fa", row)

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        return f"Two-factor authentication of {row.name} was reset."


class DeleteAction(_AdminAction):
    key = "delete"
    label = "Delete user…"
    short_label = "Delete…"
    shortcut = "Del"
    verb = "delete users"

    def confirmation(self, row: UserRow, params: None) -> Confirmation:
        details = (
            "Their leads will be unassigned, not deleted.",
            _signed_out(row),
            *call_note(row),
            "This cannot be undone.",
        )
        return Confirmation("Delete user", f"Delete {who(row)}?", details)

    def call(self, row: UserRow, params: None) -> ApiCall:
        query = {"expected_status": row.status.value}
        return ApiCall("DELETE", f"/users/{row.id}", params=query, headers=precondition(row))

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        leads = answer.get("unassigned_leads")
        leads_text = plural(leads if isinstance(leads, int) else 0, "lead")
        return f"{row.name} was deleted; {leads_text} unassigned, {_ended(answer)} ended."
