"""The console against the real backend: settings in a temp file, a signed-in ApiClient,
and `live_console`, a signed-in console with its window (GUI tests on the qasync loop:
no qtbot.wait* there, docs/console-notes.md, 1; only awaited polls)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from contact_center.testing.server import ServerThread
from supervisor_console.actions.execute import RetryPolicy
from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import Status, UserRow
from supervisor_console.controllers.action_controller import ActionController
from supervisor_console.controllers.bulk_controller import BulkController
from supervisor_console.session import Console
from supervisor_console.views.main_window import MainWindow
from tests.support.accounts import PASSWORDS
from tests.support.waiting import until


@pytest.fixture
def console_settings(qapp: QApplication, tmp_path: Path) -> Iterator[QSettings]:
    """The console's settings, in a file of this test; the app stays up when its last window
    closes, as supervisor_console.app.run() sets it."""
    qapp.setQuitOnLastWindowClosed(False)
    yield QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    qapp.setQuitOnLastWindowClosed(True)


async def signed_in(url: str, username: str) -> ApiClient:
    """An ApiClient signed in as the seeded `admin` or `supervisor`."""
    client = ApiClient(url)
    await client.login(username, PASSWORDS[username])
    return client


class Live:
    """The console, its window, action and bulk controllers, and the dialogs as they open."""

    def __init__(self, console: Console) -> None:
        assert console.window is not None
        assert console.actions is not None
        assert console.bulk is not None
        self.console = console
        self.window: MainWindow = console.window
        self.actions: ActionController = console.actions
        self.bulk: BulkController = console.bulk
        self.dialogs: asyncio.Queue[QDialog] = asyncio.Queue()
        self.actions.runner.opened.connect(self.dialogs.put_nowait)

    async def dialog(self, kind: type[QDialog] = QDialog, timeout: float = 5.0) -> Any:
        found = await asyncio.wait_for(self.dialogs.get(), timeout)
        assert isinstance(found, kind), found
        return found

    def row(self, user_id: int) -> UserRow:
        found = self.window.model.user(user_id)
        assert found is not None
        return found

    async def shows(self, user_id: int, status: Status) -> UserRow:
        await until(lambda: self.window.model.user(user_id) is not None
                    and self.row(user_id).status is status, f"user {user_id} {status}")  # fmt: skip
        return self.row(user_id)

    def select(self, user_id: int) -> None:
        shown = self.window.model.display_row_of(user_id)
        assert shown is not None, "the user is not shown"
        self.window.panel.setFocus()
        self.window.panel.setCurrentIndex(self.window.model.index(shown, 0))

    def key(self, key: Qt.Key, widget: QWidget | None = None, mods: Any = None) -> None:
        target = widget or self.window.panel
        QTest.keyClick(target, key, mods or Qt.KeyboardModifier.NoModifier)

    async def settled(self, timeout: float = 10.0) -> list[Any]:
        """Wait for every running action and return their results."""
        tasks = list(self.actions.tasks)
        done = await asyncio.wait_for(asyncio.gather(*tasks), timeout)
        return list(done)


@contextlib.asynccontextmanager
async def live_console(
    server: ServerThread, tmp_path: Path, username: str = "admin", reset_limit: float = 30.0
) -> AsyncIterator[Live]:
    """A console signed in to `server` as `username`, holding its first snapshot; actions
    retry fast and bulk jobs are polled every 20 ms. (The qasync loop it runs on is kept
    alive by the plugin.)"""
    # As the app does: closing the window must not stop the loop the test still runs on.
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    console = Console(settings, feed_wait=1)
    console.reset_limit = reset_limit
    try:
        await console.connect(await signed_in(server.base_url, username), username)
        await asyncio.wait_for(console.first_full.wait(), 10)
        live = Live(console)
        live.actions.flow.retry = RetryPolicy(attempts=3, first_delay=0.01)
        live.bulk.jobs.poll_interval = 0.02
        yield live
    finally:
        await console.shutdown()
        if console.window is not None:
            console.window.close()
            console.window.deleteLater()
