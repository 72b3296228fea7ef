"""One action from start to end, the same for every unit: what it loads first, its dialog,
the call with the precondition the supervisor saw, and the outcome on the panel (rows
refreshed, a message, a notice when refused, the temporary password shown once).

No Qt: the flow gets what it acts on when it is made (the dialogs, the screen, the watch
of pending resets) and the client once signed in; it never calls back into whoever made
it. What differs between actions is declared on the unit (`dialog`, `prepare()`,
`watch_after_run`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from supervisor_console.actions.base import DialogKind, UserAction, UserReads
from supervisor_console.actions.execute import (
    ActionClient,
    Outcome,
    OutcomeKind,
    RetryPolicy,
    execute,
)
from supervisor_console.api.types import UserRow

MESSAGE_MS = 15000  # how long an action's message stays in the status bar
NOTICE_TITLES = {
    OutcomeKind.CONFLICT: "Nothing was done: the user changed",
    OutcomeKind.FORBIDDEN: "Not allowed",
    OutcomeKind.SIGNED_OUT: "Sign in again",
    OutcomeKind.NOT_FOUND: "User not found",
    OutcomeKind.UNCONFIRMED: "Not confirmed",
    OutcomeKind.FAILED: "The action failed",
}


# Dialogs whose input takes work to enter: a conflict keeps it for a second look.
KEEP_INPUT = frozenset(
    {DialogKind.RECYCLE, DialogKind.SET_STATUS, DialogKind.RESET_PASSWORD, DialogKind.EDIT}
)


def _review_again(unit: UserAction[Any], outcome: Outcome) -> bool:
    """A change since the supervisor looked (not a rule), or input refused field by field,
    under a dialog with input: it opens again with the input kept."""
    if unit.dialog not in KEEP_INPUT:
        return False
    if outcome.kind is OutcomeKind.FAILED:
        return bool(outcome.field_errors)
    return outcome.kind is OutcomeKind.CONFLICT and not outcome.rule_refused


def notice_title(outcome: Outcome) -> str:
    """A rule that does not hold is not a change someone made: each says so in its title."""
    if outcome.kind is OutcomeKind.CONFLICT and outcome.rule_refused:
        return "Not allowed now"
    return NOTICE_TITLES[outcome.kind]


class FlowClient(ActionClient, UserReads, Protocol):
    """The API client as the flow uses it (ApiClient satisfies it)."""


class Dialogs(Protocol):
    """Opens dialogs without a nested event loop (views/dialogs/runner.py)."""

    async def ask(
        self,
        unit: UserAction[Any],
        row: UserRow,
        context: Any,
        previous: Any = None,
        notice: str | None = None,
        errors: dict[str, str] | None = None,
    ) -> tuple[bool, Any]:
        """The unit's dialog: (confirmed, the input it collected); `previous` is put back,
        `notice` says what changed when an attempt met a conflict, `errors` what the server
        refused field by field."""
        ...

    async def inform(self, title: str, text: str, details: Sequence[str] = ()) -> None: ...
    async def show_password(self, row: UserRow, password: str) -> None: ...


class Screen(Protocol):
    """What the supervisor sees change (the main window)."""

    def show_message(self, text: str, timeout_ms: int = 0) -> None: ...
    def apply_rows(self, rows: list[UserRow], deleted: list[int]) -> None: ...
    def ask_sign_in(self) -> None: ...


class Watch(Protocol):
    """The pending-reset marks on the panel (controllers/reset_marks.py)."""

    def start(self, row: UserRow) -> None: ...
    def settle(self, user_id: int, outcome: Outcome) -> None: ...


class InFlight:
    """The confirmed actions on their way to the server whose answer has not come yet."""

    def __init__(self) -> None:
        self._sending: dict[int, str] = {}
        self._ids = itertools.count()

    @contextlib.contextmanager
    def sending(self, what: str) -> Iterator[None]:
        """Marks one action as sent (`what` names it) until the block ends."""
        key = next(self._ids)
        self._sending[key] = what
        try:
            yield
        finally:
            del self._sending[key]

    def names(self) -> list[str]:
        return list(self._sending.values())

    async def all_answered(self, poll: float = 0.05) -> None:
        """Until every action on its way has its answer (retries included)."""
        while self._sending:  # noqa: ASYNC110 - no event for "nothing in flight"; polled
            await asyncio.sleep(poll)


class ActionFlow:
    def __init__(
        self,
        dialogs: Dialogs,
        screen: Screen,
        watch: Watch,
        *,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 (frozen)
    ) -> None:
        self.dialogs, self.screen, self.watch, self.retry = dialogs, screen, watch, retry
        self.client: FlowClient | None = None
        self.in_flight = InFlight()
        self._running: set[tuple[str, int]] = set()

    def running(self, unit: UserAction[Any], row: UserRow) -> bool:
        """Whether `unit` is already under way for this user (one attempt at a time: a
        second R while the first reset is on its way would only meet a 409)."""
        return (unit.key, row.id) in self._running

    async def run(self, unit: UserAction[Any], row: UserRow) -> Outcome | None:
        """The whole action for `row` as the supervisor saw it; None when cancelled."""
        self._running.add((unit.key, row.id))
        try:
            return await self._run(unit, row)
        finally:
            self._running.discard((unit.key, row.id))

    async def _run(self, unit: UserAction[Any], row: UserRow) -> Outcome | None:
        client = self.client
        if client is None:
            self._say("Not connected: sign in first.")
            return None
        prepared = await unit.prepare(client, row)
        if prepared.refusal is not None:
            await self.dialogs.inform(prepared.title, prepared.refusal)
            return None
        confirmed, params = await self.dialogs.ask(unit, row, prepared.context)
        while True:
            if not confirmed:
                self._say(f"{unit.label.rstrip('…')}: cancelled; nothing was changed.")
                return None
            if unit.watch_after_run:
                self.watch.start(row)
            with self.in_flight.sending(f"{unit.label.rstrip('…')} for {row.name}"):
                outcome = await execute(client, unit, row, params, retry=self.retry)
            if not _review_again(unit, outcome):
                return await self._report(unit, row, outcome)
            if outcome.kind is OutcomeKind.CONFLICT:
                if outcome.user is None:
                    return await self._report(unit, row, outcome)
                # The user changed while the dialog was open: nothing was done. The input
                # is kept; the dialog opens again on the row as it is now, saying what changed.
                self.screen.apply_rows([outcome.user], [])
                row = outcome.user
                notice = f"{outcome.message} Review and confirm again."
            else:
                notice = f"Nothing was saved: {outcome.message.split(': ', 1)[-1]}"
            confirmed, params = await self.dialogs.ask(
                unit, row, prepared.context, previous=params, notice=notice,
                errors=outcome.field_errors,
            )  # fmt: skip

    async def _report(self, unit: UserAction[Any], row: UserRow, outcome: Outcome) -> Outcome:
        rows = [outcome.user] if outcome.user is not None else []
        deleted = [outcome.deleted_id] if outcome.deleted_id is not None else []
        if rows or deleted:
            # By version, like the feed: its later copy of the same change is ignored.
            self.screen.apply_rows(rows, deleted)
        if unit.watch_after_run:
            self.watch.settle(row.id, outcome)
        self._say(outcome.message)
        if outcome.secret is not None:
            await self.dialogs.show_password(row, outcome.secret)
            # The password is gone with the dialog: the outcome kept by the task must not hold it.
            return dataclasses.replace(outcome, secret=None)
        if outcome.kind is not OutcomeKind.DONE:
            await self.dialogs.inform(notice_title(outcome), outcome.message)
        if outcome.kind is OutcomeKind.SIGNED_OUT:
            self.screen.ask_sign_in()
        return outcome

    def _say(self, text: str) -> None:
        self.screen.show_message(text, MESSAGE_MS)
