"""Leaving the console's session: close, sign out or switch servers, never cutting work
short without asking (a mixin of `session.Console`).

With an action being sent or a bulk job running, the user is told what is under way and
chooses: leave when it has finished, stop the bulk job and leave, or keep working.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtWidgets import QMessageBox

from supervisor_console.controllers.action_controller import ActionController
from supervisor_console.controllers.bulk_controller import BulkController
from supervisor_console.views.main_window import MainWindow


class LeavingMixin:
    """`leave()` and the close guard; the console provides the attributes below."""

    actions: ActionController | None
    bulk: BulkController | None
    window: MainWindow | None
    leave_box: QMessageBox | None
    _leaving: bool

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        raise NotImplementedError

    def busy_text(self) -> str:
        """What would be cut short by leaving now, in words ("" when nothing)."""
        lines = []
        if self.actions is not None:
            lines += [f"Sending: {what}." for what in self.actions.in_flight()]
        if self.bulk is not None and self.bulk.jobs.running:
            last = self.bulk.jobs.last
            done = f" ({last.processed:,} of {last.total:,} users done)" if last else ""
            lines.append(f"A bulk job is running{done}.")
        return "\n".join(lines)

    def _may_close(self) -> bool:
        if self._leaving or not self.busy_text():
            return True
        assert self.window is not None
        self.leave("close", self.window.close)
        return False

    def leave(self, verb: str, then: Callable[[], Any]) -> None:
        """Do `then` (close, sign out…) now if nothing is in flight; otherwise say what is
        and let the user wait for it, stop the bulk job, or stay."""
        busy = self.busy_text()
        if not busy:
            self._run_leave(then)
            return
        if self.leave_box is not None and self.leave_box.isVisible():
            self.leave_box.raise_()
            return
        box = QMessageBox(self.window)
        box.setObjectName("leave_box")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(f"{verb.capitalize()}?")
        box.setText(f"Work is still under way. If you {verb} now it would be cut short.")
        box.setInformativeText(busy)
        wait = box.addButton(
            f"{verb.capitalize()} when finished", QMessageBox.ButtonRole.AcceptRole
        )
        stop = None
        if self.bulk is not None and self.bulk.jobs.running:
            stop = box.addButton(
                f"Stop the bulk job and {verb}", QMessageBox.ButtonRole.DestructiveRole
            )
        stay = box.addButton("Keep working", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)
        box.setEscapeButton(stay)

        def chosen() -> None:
            clicked = box.clickedButton()
            if clicked is wait or (stop is not None and clicked is stop):
                self.spawn(self._leave_when_done(verb, then, stop_job=clicked is stop))

        box.finished.connect(chosen)
        box.finished.connect(box.deleteLater)
        self.leave_box = box
        box.open()

    async def _leave_when_done(self, verb: str, then: Callable[[], Any], stop_job: bool) -> None:
        if self.window is not None:
            self.window.show_message(f"Will {verb} once the work under way has finished…")
        if stop_job and self.bulk is not None:
            await self.bulk.jobs.cancel()
        if self.actions is not None:
            await self.actions.all_sent()
        if self.bulk is not None:
            await self.bulk.jobs.finished()
        self._run_leave(then)

    def _run_leave(self, then: Callable[[], Any]) -> None:
        self._leaving = True
        try:
            result = then()
        finally:
            self._leaving = False
        if asyncio.iscoroutine(result):
            self.spawn(result)
