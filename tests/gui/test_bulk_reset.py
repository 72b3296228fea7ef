"""Bulk reset and recycle (issue 14, item 5; seed 003 "Reset Multiple Users") from the bulk
dialog on the real backend: the reset options for every selected user, and a CSV file of
new holders for the seats to recycle."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from contact_center.testing.server import ServerThread
from supervisor_console.bulk import JobState, ScopeKind
from supervisor_console.bulk.recycle_csv import parse_recycle_csv
from tests.gui.test_bulk_dialog import first_result, opened
from tests.support.backend import agent_ids, set_state
from tests.support.console import live_console
from tests.support.waiting import until


def test_the_csv_of_new_holders_says_what_is_wrong_line_by_line() -> None:
    users = {"agent1": 11, "agent2": 12}
    text = (
        "user,first_name,last_name,email\n"
        "agent1,Grace,Hopper,grace@example.com\n"
        "12,Alan,Turing,\n"
        "nobody,Ada,Lovelace,ada@example.com\n"
        "agent1,Again,Twice,x@example.com\n"
        "agent2,,Nameless,\n"
    )
    sheet = parse_recycle_csv(
        text, lambda who: users.get(who) or (int(who) if who.isdigit() else None)
    )
    assert sheet.details == {
        "11": {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
               "send_welcome_email": True, "keep_assignments": False},
        "12": {"first_name": "Alan", "last_name": "Turing", "email": None,
               "send_welcome_email": False, "keep_assignments": False},
    }  # fmt: skip
    assert sheet.problems == [
        "Line 4: there is no user nobody.",
        "Line 5: agent1 is listed twice.",
        "Line 6: agent2 is listed twice.",
    ]
    headerless = parse_recycle_csv("agent2,Alan,Turing,bad@", users.get)
    assert headerless.problems == ["Line 1: bad@ is not a valid email address."]


async def test_bulk_reset_recycles_the_seats_in_the_file_and_resets_the_others(
    small_server: ServerThread, tmp_path: Path
) -> None:
    ids = agent_ids(small_server)[:3]
    for uid in ids:
        set_state(small_server, uid, "available")
    async with live_console(small_server, tmp_path) as live:  # the admin
        console = live.console
        assert console.window is not None
        assert console.bulk is not None
        window, bulk = console.window, console.bulk
        await until(lambda: all(window.model.user(i) is not None for i in ids), "the users")
        bulk.selection.select_ids(ids)
        await until(lambda: bulk.count_label.text() == "3 selected", "the selection")
        dialog = await opened(console)
        dialog.action.setCurrentIndex(dialog.action.findData("reset"))
        page = dialog.params.reset
        assert page.isVisible()
        page.checks["delete_voicemail"].setChecked(True)
        username = window.model.user(ids[1]).username  # type: ignore[union-attr]
        csv = tmp_path / "new-holders.csv"
        csv.write_text(f"user,first_name,last_name,email\n{username},Grace,Hopper,\n")
        page.load_file(str(csv))
        assert page.sheet_label.text().startswith("1 seat is recycled for the new holders")
        dialog.scope_buttons[ScopeKind.SELECTED].click()
        dialog.preview_button.click()
        await until(lambda: dialog.preview is not None, "the preview")
        assert dialog.preview_label.text().startswith("3 users will be changed")
        finished: asyncio.Future[JobState] = asyncio.get_running_loop().create_future()
        bulk.job_finished.connect(first_result(finished))
        dialog.confirm_edit.setFocus()
        QTest.keyClicks(dialog.confirm_edit, "3")
        QTest.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
        final = await asyncio.wait_for(finished, 15)
        assert (final.done, final.skipped, final.failed) == (3, 0, 0)
        await until(lambda: window.model.user(ids[1]).name == "Grace Hopper", "the recycled seat")  # type: ignore[union-attr]
        assert window.model.user(ids[0]).name == f"({window.model.user(ids[0]).username})"  # type: ignore[union-attr]
        dialog.job.close_button.click()
