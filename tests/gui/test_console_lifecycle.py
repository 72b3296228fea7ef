"""The console's run ends only with its main window: never because a dialog closed, and
never with an action half sent (the end-to-end suite drives the same paths from outside)."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QPushButton

from supervisor_console.session import Console
from supervisor_console.views.sign_in import SignInDialog


def button(console: Console, text: str) -> QPushButton:
    assert console.leave_box is not None
    found = [b for b in console.leave_box.buttons() if b.text() == text]
    assert found, [b.text() for b in console.leave_box.buttons()]
    assert isinstance(found[0], QPushButton)
    return found[0]


async def test_a_sign_in_dialog_closing_never_ends_the_run(console_settings: QSettings) -> None:
    console = Console(console_settings)
    try:
        await console.start("")
        window, dialog = console.window, console.dialog
        assert window is not None
        assert dialog is not None
        assert window.isVisible()
        assert window.windowTitle() == "Supervisor Console — not signed in"
        dialog.reject()
        await asyncio.sleep(0.1)
        assert window.isVisible()
        assert not console.closed.is_set()
        assert not window.sign_out_action.isEnabled()
        window.sign_in_action.trigger()  # Session ▸ Sign in… opens it again
        assert console.dialog is not None
        assert console.dialog.isVisible()
        console.dialog.reject()
        window.close()
        await asyncio.wait_for(console.closed.wait(), 2)
    finally:
        await console.shutdown()


async def test_closing_while_an_action_is_sent_waits_for_its_answer(
    console_settings: QSettings,
) -> None:
    console = Console(console_settings)
    window = console.open_window()
    assert console.actions is not None
    sending = console.actions.sending("Reset dialer status for Ada Khan")
    try:
        sending.__enter__()
        window.close()
        assert window.isVisible()
        assert not console.closed.is_set()
        assert console.leave_box is not None
        assert console.leave_box.isVisible()
        assert console.leave_box.informativeText() == "Sending: Reset dialer status for Ada Khan."
        assert console.leave_box.defaultButton() is button(console, "Keep working")
        button(console, "Close when finished").click()
        await asyncio.sleep(0.3)
        assert window.isVisible()
        assert not console.closed.is_set()
        assert "once the work under way has finished" in window.statusBar().currentMessage()
        sending.__exit__(None, None, None)
        await asyncio.wait_for(console.closed.wait(), 3)
        assert not window.isVisible()
    finally:
        await console.shutdown()


async def test_keep_working_keeps_the_window(console_settings: QSettings) -> None:
    console = Console(console_settings)
    window = console.open_window()
    assert console.actions is not None
    try:
        with console.actions.sending("Force logout for Ada Khan"):
            window.close()
            button(console, "Keep working").click()
            await asyncio.sleep(0.3)
            assert window.isVisible()
            assert not console.closed.is_set()
        window.close()  # nothing in flight now: closes at once
        await asyncio.wait_for(console.closed.wait(), 2)
    finally:
        await console.shutdown()


def test_sign_in_focus_starts_at_the_first_field_to_type(qtbot: object) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "server"),
        ({"server": "https://cc.example.com"}, "username"),
        ({"server": "https://cc.example.com", "username": "ada"}, "password"),
        ({"server": "https://cc.example.com", "username": "ada", "focus_server": True}, "server"),
    ]
    for kwargs, expected in cases:
        dialog = SignInDialog(**kwargs)
        field = dialog.first_field()
        assert field.objectName() == expected, kwargs
        if kwargs.get("focus_server"):
            assert field.selectedText() == "https://cc.example.com"  # typing replaces it
        assert dialog.sign_in_button.isDefault()  # Enter in any field signs in
        dialog.deleteLater()
