"""One action from start to end: its dialog, the call with the precondition the supervisor
saw, and the outcome on the panel (rows refreshed, a message, a notice when refused)."""

from __future__ import annotations

import dataclasses
from contextlib import AbstractContextManager
from typing import Any, Protocol

from supervisor_console.actions.base import DialogKind, UserAction
from supervisor_console.actions.execute import Outcome, OutcomeKind, RetryPolicy, execute
from supervisor_console.api.client import ApiClient
from supervisor_console.api.errors import ApiError
from supervisor_console.api.types import UserRow
from supervisor_console.controllers.reset_marks import ResetMarks
from supervisor_console.views.dialogs.runner import DialogRunner

NOTICE_TITLES = {
    OutcomeKind.CONFLICT: "Nothing was done: the user changed",
    OutcomeKind.FORBIDDEN: "Not allowed",
    OutcomeKind.SIGNED_OUT: "Sign in again",
    OutcomeKind.NOT_FOUND: "User not found",
    OutcomeKind.UNCONFIRMED: "Not confirmed",
    OutcomeKind.FAILED: "The action failed",
}


class FlowHost(Protocol):
    """What a flow needs from the window side (the ActionController)."""

    runner: DialogRunner
    client: ApiClient | None
    reset_marks: ResetMarks
    retry: RetryPolicy

    def show_message(self, text: str) -> None: ...
    def sending(self, what: str) -> AbstractContextManager[None]: ...
    def apply_rows(self, rows: list[UserRow], deleted: list[int]) -> None: ...
    def sign_in_again(self) -> None: ...


async def ask_input(host: FlowHost, unit: UserAction[Any], row: UserRow) -> tuple[bool, Any]:
    """Open the unit's dialog: (confirmed, the input it collected)."""
    runner, kind = host.runner, unit.dialog
    if kind is DialogKind.CONFIRM:
        confirmation = unit.confirmation(row, None)
        assert confirmation is not None
        return await runner.confirm(row, confirmation), None
    params: Any = None
    if kind is DialogKind.RESET_PASSWORD:
        confirmation = unit.confirmation(row, None)
        assert confirmation is not None
        params = await runner.reset_password(row, confirmation)
    elif kind is DialogKind.RECYCLE:
        params = await runner.recycle(row)
    elif kind is DialogKind.SET_STATUS:
        params = await runner.set_status(row)
    elif kind is DialogKind.PICK_SESSION:
        params = await _pick_session(host, row)
    return params is not None, params


async def _pick_session(host: FlowHost, row: UserRow) -> Any:
    assert host.client is not None
    try:
        sessions = await host.client.sessions(row.id)
    except ApiError as exc:
        await host.runner.inform(
            "Force logout", f"Could not load the sessions of {row.name}: {exc}"
        )
        return None
    if not sessions:
        await host.runner.inform("Force logout", f"{row.name} has no active sessions now.")
        return None
    return await host.runner.pick_session(row, sessions)


async def run_action(host: FlowHost, unit: UserAction[Any], row: UserRow) -> Outcome | None:
    """The whole action for `row` as the supervisor saw it; None when cancelled."""
    client = host.client
    if client is None:
        host.show_message("Not connected: sign in first.")
        return None
    confirmed, params = await ask_input(host, unit, row)
    if not confirmed:
        host.show_message(f"{unit.label.rstrip('…')}: cancelled; nothing was changed.")
        return None
    watched = unit.key == "reset-dialer"
    if watched:
        host.reset_marks.start(row)
    with host.sending(f"{unit.label.rstrip('…')} for {row.name}"):
        outcome = await execute(client, unit, row, params, retry=host.retry)
    return await report(host, row, outcome, watched)


async def report(host: FlowHost, row: UserRow, outcome: Outcome, watched: bool) -> Outcome:
    rows = [outcome.user] if outcome.user is not None else []
    deleted = [outcome.deleted_id] if outcome.deleted_id is not None else []
    host.apply_rows(rows, deleted)
    if watched:
        host.reset_marks.settle(row.id, outcome)
    host.show_message(outcome.message)
    if outcome.secret is not None:
        await host.runner.show_password(row, outcome.secret)
        # The password is gone with the dialog: the outcome kept by the task must not hold it.
        return dataclasses.replace(outcome, secret=None)
    if outcome.kind is not OutcomeKind.DONE:
        await host.runner.inform(NOTICE_TITLES[outcome.kind], outcome.message)
    if outcome.kind is OutcomeKind.SIGNED_OUT:
        host.sign_in_again()
    return outcome
