"""Reset dialer from the keyboard against the real backend: texts, Cancel, Confirm, 409,
Offline, and the pending-reset watch (its 30 s limit shortened)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from contact_center.storage.tables import calls
from contact_center.testing.server import ServerThread
from supervisor_console.actions.execute import OutcomeKind
from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import Status
from supervisor_console.panel.columns import Column
from supervisor_console.views.dialogs.confirm import ConfirmDialog, NoticeDialog
from tests.support.accounts import SUPER_PW
from tests.support.backend import PEER, agent_ids, audit_actions, set_state, sql_rows
from tests.support.console import live_console
from tests.support.proxy import LoopbackProxy
from tests.support.waiting import until

UNAVAILABLE_TEXT = "Are you sure you want to mark this user as Available?"
BUSY_TEXT = (
    "Are you sure you want to mark this user as Available? "
    "If the user is currently on a call, the call will be automatically disconnected."
)
ALT = Qt.KeyboardModifier.AltModifier


async def test_find_reset_and_confirm_without_the_mouse(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(
        small_server, agent_ids(small_server)[3], "unavailable", first_name="Zelda", last_name="Q"
    )
    async with live_console(small_server, tmp_path, "supervisor") as live:
        await live.shows(uid, Status.UNAVAILABLE)
        marks: list[str | None] = []
        model = live.window.model
        original = model.set_mark

        def set_mark(user_id: int, text: str | None) -> None:
            marks.append(text)
            original(user_id, text)

        model.set_mark = set_mark  # type: ignore[method-assign]  # records, then marks
        live.window.panel.setFocus()
        live.key(Qt.Key.Key_F, mods=Qt.KeyboardModifier.ControlModifier)
        search = live.window.filter_bar.search
        assert search.hasFocus()
        QTest.keyClicks(search, "Zelda")
        live.key(Qt.Key.Key_Return, search)
        assert live.window.panel.hasFocus()
        assert live.window.panel.current_user().id == uid  # type: ignore[union-attr]
        live.key(Qt.Key.Key_R)
        dialog = await live.dialog(ConfirmDialog)
        assert dialog.question.text() == UNAVAILABLE_TEXT
        assert sorted(dialog.button_texts()) == ["Cancel", "Confirm"]
        assert dialog.focusWidget() is dialog.cancel_button
        assert "Zelda Q" in dialog.heading.text()
        QTest.keyClick(dialog, Qt.Key.Key_C, ALT)
        (outcome,) = await live.settled()
        assert outcome.kind is OutcomeKind.DONE, outcome.message
        assert live.row(uid).status is Status.AVAILABLE
        assert marks == ["reset pending…", None]
        shown = model.display_row_of(uid)
        assert shown is not None
        assert model.index(shown, Column.STATUS).data() == "Available"
        assert "is now Available" in live.window.statusBar().currentMessage()
        assert audit_actions(small_server, uid) == ["reset-dialer"]


async def test_cancel_changes_nothing(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "busy", live_call=True)
    async with live_console(small_server, tmp_path, "supervisor") as live:
        before = await live.shows(uid, Status.BUSY)
        live.select(uid)
        live.key(Qt.Key.Key_R)
        dialog = await live.dialog(ConfirmDialog)
        assert dialog.question.text() == BUSY_TEXT
        assert PEER in dialog.details.text()
        live.key(Qt.Key.Key_Return, dialog.focusWidget())  # the focus is on Cancel
        assert await live.settled() == [None]
        assert "cancelled; nothing was changed" in live.window.statusBar().currentMessage()
    async with ApiClient(small_server.base_url) as check:
        await check.login("supervisor", SUPER_PW)
        assert (await check.user(uid)).version == before.version
    assert audit_actions(small_server, uid) == []


async def test_confirm_on_busy_disconnects_the_call_and_keeps_its_log(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "busy", live_call=True)
    async with live_console(small_server, tmp_path, "supervisor") as live:
        await live.shows(uid, Status.BUSY)
        live.select(uid)
        live.key(Qt.Key.Key_R)
        dialog = await live.dialog(ConfirmDialog)
        dialog.confirm_button.click()
        (outcome,) = await live.settled()
        assert outcome.ok
        assert live.row(uid).live_call is None
        assert f"The call with {PEER} was disconnected; its log was kept." in outcome.message
    ended = sql_rows(
        small_server, select(calls).where(calls.c.user_id == uid, calls.c.ended_by.isnot(None))
    )
    assert [c["ended_by"] for c in ended if c["peer"] == PEER] == ["supervisor reset"]
    assert all(c["recording"] for c in ended if c["peer"] == PEER)


async def test_status_changed_while_the_dialog_was_open(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "busy", live_call=True)
    async with live_console(small_server, tmp_path, "supervisor") as live:
        await live.shows(uid, Status.BUSY)
        live.select(uid)
        live.key(Qt.Key.Key_R)
        dialog = await live.dialog(ConfirmDialog)
        set_state(small_server, uid, "offline")
        dialog.confirm_button.click()
        notice = await live.dialog(NoticeDialog)
        assert "Nothing was done" in notice.text.text()
        assert "now Offline (you saw Busy)" in notice.text.text()
        assert live.row(uid).status is Status.OFFLINE  # refreshed from the 409's row
        notice.close_button.click()
        (outcome,) = await live.settled()
        assert outcome.kind is OutcomeKind.CONFLICT
        assert live.actions.reset_marks.state(uid) is None
        assert uid not in live.window.model.marks
    assert audit_actions(small_server, uid) == []


async def test_offline_reset_explains_what_to_check(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "offline")
    async with live_console(small_server, tmp_path, "supervisor") as live:
        await live.shows(uid, Status.OFFLINE)
        live.select(uid)
        live.key(Qt.Key.Key_R)
        notice = await live.dialog(NoticeDialog)
        text = notice.text.text()
        assert "applies only to users whose status shows Unavailable or Busy" in text
        assert "Check that the user is signed in and that the dialer is enabled" in text
        live.key(Qt.Key.Key_Escape, notice)
        await live.settled()


async def test_reset_not_available_within_the_limit_suggests_next_steps(
    qapp: Any, small_server: ServerThread, tmp_path: Path
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "unavailable")
    async with live_console(small_server, tmp_path, "supervisor", reset_limit=0.4) as live:
        await live.shows(uid, Status.UNAVAILABLE)
        with LoopbackProxy(small_server.port) as proxy:
            proxy.refuse = True  # the request never reaches the backend
            cut_off = ApiClient(proxy.url)
            cut_off.use_token(live.console.client._token, "supervisor")  # type: ignore[union-attr]
            live.actions.client = cut_off
            live.select(uid)
            live.key(Qt.Key.Key_Return)  # details open for the same user
            live.key(Qt.Key.Key_R)
            (await live.dialog(ConfirmDialog)).confirm_button.click()
            notice = await live.dialog(NoticeDialog)
            assert "could not be confirmed" in notice.text.text()
            model = live.window.model
            shown = model.display_row_of(uid)
            assert shown is not None
            status_cell = model.index(shown, Column.STATUS)
            assert status_cell.data() == "Unavailable · reset pending…"
            await until(lambda: "not Available" in status_cell.data(), "the overdue mark")
            assert status_cell.data() == "Unavailable · not Available after 0.4 s"
            tips = live.actions.buttons.troubleshooting
            assert tips.isVisible()
            assert "wait 30 seconds and check the row again" in tips.text()
            assert "close and reopen their dialer" in tips.text()
            notice.close_button.click()
            await live.settled()
            await cut_off.aclose()
    assert audit_actions(small_server, uid) == []
