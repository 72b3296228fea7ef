"""The context menu on real rows: entries per status and role, shortcuts shown, reasons as
tooltips, opened with the Menu key or Shift+F10 and used with the keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu

from contact_center.testing.server import ServerThread
from supervisor_console.api.types import Status
from supervisor_console.views.dialogs.confirm import ConfirmDialog, NoticeDialog
from tests.support.backend import agent_ids, audit_actions, set_state
from tests.support.console import live_console


def entries(menu: QMenu) -> dict[str, QAction]:
    return {a.data(): a for a in menu.actions() if not a.isSeparator()}


async def test_menu_per_status_for_a_supervisor(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    ids = agent_ids(small_server)
    states = {"busy": ids[0], "unavailable": ids[1], "offline": ids[2], "break": ids[3]}
    for status, uid in states.items():
        set_state(small_server, uid, status, live_call=status == "busy")
    async with live_console(small_server, tmp_path, "supervisor") as live:
        for status, uid in states.items():
            await live.shows(uid, Status(status))
        menus = {s: entries(live.actions.build_menu(live.row(uid))) for s, uid in states.items()}
        busy = menus["busy"]
        assert busy["reset-dialer"].text() == "Reset dialer status\tR"
        assert busy["logout"].text() == "Force logout (all sessions)\tL"
        assert busy["deactivate"].text() == "Deactivate\tCtrl+D"
        assert busy["delete"].text() == "Delete user…\tDel"
        assert busy["set-status"].text() == "Set status…\tS"
        assert busy["details"].text() == "User details\tReturn"
        enabled = {s: {k for k, a in m.items() if a.isEnabled()} for s, m in menus.items()}
        supervise = {"details", "activity", "logout", "logout-session", "set-status", "edit"}
        assert enabled["busy"] == enabled["unavailable"] == supervise | {"reset-dialer"}
        assert enabled["break"] == supervise
        assert enabled["offline"] == {"details", "activity", "edit"}
        offline = menus["offline"]
        assert "Check that the user is signed in" in offline["reset-dialer"].toolTip()
        assert offline["logout"].toolTip().endswith("has no active sessions.")
        assert busy["delete"].toolTip() == "Your role (supervisor) cannot delete users."
        assert busy["reset-password"].toolTip() == "Your role (supervisor) cannot reset passwords."


async def test_menu_key_opens_the_menu_and_the_keyboard_picks_an_entry(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "unavailable")
    async with live_console(small_server, tmp_path, "admin") as live:
        await live.shows(uid, Status.UNAVAILABLE)
        live.select(uid)
        live.key(Qt.Key.Key_Menu)
        menu = live.actions.last_menu
        assert menu is not None
        assert menu.isVisible()
        assert entries(menu)["reset-dialer"].isEnabled()
        for _ in range(3):  # User details, View activity, Reset dialer status
            QTest.keyClick(menu, Qt.Key.Key_Down)
        assert menu.activeAction() is entries(menu)["reset-dialer"]
        QTest.keyClick(menu, Qt.Key.Key_Return)
        dialog = await live.dialog(ConfirmDialog)
        assert dialog.row.id == uid
        dialog.cancel_button.click()
        await live.settled()
        assert live.window.panel.hasFocus()  # back where the keyboard user was
        live.key(Qt.Key.Key_F10, mods=Qt.KeyboardModifier.ShiftModifier)
        again = live.actions.last_menu
        assert again is not None
        assert again.isVisible()
        assert again is not menu
        QTest.keyClick(again, Qt.Key.Key_Escape)


async def test_disabled_shortcut_says_why_in_the_status_bar(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "break")
    async with live_console(small_server, tmp_path, "supervisor") as live:
        await live.shows(uid, Status.BREAK)
        live.select(uid)
        live.key(Qt.Key.Key_Delete)
        assert live.window.statusBar().currentMessage() == (
            "Your role (supervisor) cannot delete users."
        )
        live.key(Qt.Key.Key_R)
        assert "is Break" in live.window.statusBar().currentMessage()
        assert not live.actions.tasks


async def test_server_refuses_a_role_it_does_not_allow(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "break")
    async with live_console(small_server, tmp_path, "supervisor") as live:
        await live.shows(uid, Status.BREAK)
        assert live.console.client is not None
        live.console.client.role = None  # a remembered token: the console cannot tell
        live.select(uid)
        live.key(Qt.Key.Key_Delete)
        (await live.dialog(ConfirmDialog)).confirm_button.click()
        notice = await live.dialog(NoticeDialog)
        assert notice.text.text() == "Your role (supervisor) cannot delete users."
        notice.close_button.click()
        await live.settled()
        assert live.window.model.user(uid) is not None


async def test_expired_sign_in_asks_to_sign_in_and_does_not_replay(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "unavailable")
    async with live_console(small_server, tmp_path, "supervisor") as live:
        await live.shows(uid, Status.UNAVAILABLE)
        assert live.console.client is not None
        await live.console.client.logout()  # the token is revoked on the server
        live.console.client.use_token("revoked", "supervisor")
        live.select(uid)
        live.key(Qt.Key.Key_R)
        (await live.dialog(ConfirmDialog)).confirm_button.click()
        notice = await live.dialog(NoticeDialog)
        assert "Sign in again" in notice.text.text()
        assert "was not done" in notice.text.text()
        notice.close_button.click()
        (outcome,) = await live.settled()
        assert outcome.attempts == 1
        assert live.console.dialog is not None
        assert live.console.dialog.isVisible()
        live.console.dialog.reject()
    assert audit_actions(small_server, uid) == []


async def test_a_second_press_while_the_first_runs_is_refused(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "unavailable")
    async with live_console(small_server, tmp_path, "supervisor") as live:
        await live.shows(uid, Status.UNAVAILABLE)
        live.select(uid)
        live.key(Qt.Key.Key_R)
        dialog = await live.dialog(ConfirmDialog)
        assert live.actions.trigger("reset-dialer", live.row(uid)) is None
        assert "already under way" in live.window.statusBar().currentMessage()
        dialog.confirm_button.click()
        (outcome,) = await live.settled()
        assert outcome.ok
    assert audit_actions(small_server, uid) == ["reset-dialer"]
