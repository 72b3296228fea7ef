"""The bulk dialog on the real backend, driven from the keyboard: select, Ctrl+B, scope
counts under a filter, preview, typed confirmation, the job, results, rows updated live;
a supervisor and admin-only actions. Async on the qasync loop: no qtbot.wait*."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from contact_center.testing.server import ServerThread
from supervisor_console.api.types import Status
from supervisor_console.bulk import JobState, ScopeKind
from supervisor_console.session import Console
from supervisor_console.views.bulk_dialog import BulkDialog
from tests.support.backend import agent_ids, set_state
from tests.support.console import live_console
from tests.support.waiting import until

CTRL, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier


T = TypeVar("T")


def stuck_mix(small_server: ServerThread) -> list[int]:
    """Every agent Available, then 2 Busy (one on a call), 2 Unavailable, 1 Break."""
    ids = agent_ids(small_server)
    for uid in ids[5:]:
        set_state(small_server, uid, "available")
    for uid, status in zip(
        ids[:5], ("busy", "busy", "unavailable", "unavailable", "break"), strict=True
    ):
        set_state(small_server, uid, status, live_call=uid == ids[0])
    return ids


def text(widget: Any) -> str:
    return str(widget.text()).replace("&", "")


def first_result(future: asyncio.Future[T]) -> Callable[[T], None]:
    """A slot that gives `future` the first value emitted; later ones are dropped."""

    def slot(value: T) -> None:
        if not future.done():
            future.set_result(value)

    return slot


async def opened(console: Console) -> BulkDialog:
    assert console.bulk is not None
    assert console.window is not None
    found: asyncio.Future[BulkDialog] = asyncio.get_running_loop().create_future()
    console.bulk.dialog_opened.connect(first_result(found))
    window = console.window
    window.activateWindow()
    await until(lambda: QApplication.activeWindow() is window, "the window to be active")
    QTest.keyClick(console.window.panel, Qt.Key.Key_B, CTRL)
    return await asyncio.wait_for(found, 5)


async def test_keyboard_bulk_reset_of_stuck_dialers(
    small_server: ServerThread, tmp_path: Path
) -> None:
    ids = stuck_mix(small_server)
    async with live_console(small_server, tmp_path, "supervisor") as live:
        console = live.console
        assert console.window is not None
        assert console.bulk is not None
        window, bulk = console.window, console.bulk
        await until(lambda: window.model.user(ids[4]).status is Status.BREAK, "the mix")  # type: ignore[union-attr]
        window.filter_bar.status.setCurrentIndex(1)  # Busy or Unavailable
        await until(lambda: window.model.shown_count == 4, "the filter")
        window.panel.setFocus()
        QTest.keyClick(window.panel, Qt.Key.Key_Home)
        QTest.keyClick(window.panel, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
        assert bulk.count_label.text() == "2 selected"
        QTest.keyClick(window.panel, Qt.Key.Key_A, CTRL)
        assert bulk.count_label.text() == "4 selected"

        dialog = await opened(console)
        assert QApplication.focusWidget() is dialog.cancel_button
        assert text(dialog.scope_buttons[ScopeKind.SELECTED]) == "Selected users (4 users)"
        assert (
            text(dialog.scope_buttons[ScopeKind.FILTER])
            == "Users matching the current filters (4 users)"
        )
        assert text(dialog.scope_buttons[ScopeKind.ALL]) == "All users (32 users)"
        await until(lambda: QApplication.activeWindow() is dialog, "the dialog to be active")
        QTest.keyClick(dialog.cancel_button, Qt.Key.Key_L, ALT)  # All users (an animated click)
        await until(lambda: dialog.chosen_scope() is ScopeKind.ALL, "the scope")
        QTest.keyClick(dialog.scope_buttons[ScopeKind.ALL], Qt.Key.Key_P, ALT)  # Preview
        await until(lambda: dialog.preview is not None, "the preview")
        lines = dialog.preview_label.text().splitlines()
        assert lines[:2] == [
            "4 users will be changed (reset dialer status).",
            "26 skipped: not Unavailable or Busy",
        ]
        # A supervisor acts on agents: the two staff accounts are skipped, with the reason.
        assert "1 skipped: admin account" in lines
        assert "1 skipped: supervisor account" in lines
        assert "1 live call will be disconnected (call logs and recordings are kept)." in lines
        assert not dialog.run_button.isEnabled()
        assert text(dialog.confirm_label) == "Type 4 to confirm:"
        assert QApplication.focusWidget() is dialog.cancel_button
        finished: asyncio.Future[JobState] = asyncio.get_running_loop().create_future()
        bulk.job_finished.connect(first_result(finished))
        dialog.confirm_edit.setFocus()
        QTest.keyClicks(dialog.confirm_edit, "4")
        assert dialog.run_button.isEnabled()
        QTest.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
        final = await asyncio.wait_for(finished, 15)

        assert (final.done, final.skipped, final.failed) == (4, 28, 0)
        assert sorted(final.ids_with("done")) == sorted(ids[:4])
        assert dialog.job.results.rowCount() == 32
        assert dialog.job.table.isVisible()
        assert "26 skipped: not Unavailable or Busy" in dialog.job.counts.text()
        await until(lambda: window.model.shown_count == 0, "the reset rows to leave the filter")
        assert all(window.model.user(i).status is Status.AVAILABLE for i in ids[:4])  # type: ignore[union-attr]
        assert bulk.count_label.text() == "4 selected, hidden by the filters"
        dialog.job.close_button.click()


async def test_supervisor_sees_admin_only_actions_disabled_and_a_403_explained(
    small_server: ServerThread, tmp_path: Path
) -> None:
    async with live_console(small_server, tmp_path, "supervisor") as live:
        console = live.console
        assert console.bulk is not None
        assert console.bulk.client is not None
        dialog = await opened(console)
        combo = dialog.action
        delete = combo.findData("delete")
        assert combo.itemText(delete) == "Delete users (admin only)"
        assert not combo.model().item(delete).isEnabled()  # type: ignore[attr-defined]
        assert (
            combo.itemData(delete, Qt.ItemDataRole.ToolTipRole)
            == "Your role (supervisor) cannot delete users."
        )
        assert "Your role (supervisor) cannot" in dialog.role_note.text()
        assert combo.model().item(combo.findData("reset-dialer")).isEnabled()  # type: ignore[attr-defined]
        dialog.reject()

        console.bulk.client.role = None  # a remembered session: the role is not known here
        dialog = await opened(console)
        dialog.choose("delete", ScopeKind.ALL)
        dialog.preview_button.click()
        await until(lambda: "Only an admin" in dialog.preview_label.text(), "the 403")
        assert "Your role (supervisor) cannot delete users." in dialog.preview_label.text()
        assert not dialog.run_button.isEnabled()
        dialog.reject()
