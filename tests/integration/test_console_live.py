"""The console against the real backend: sign in through the dialog and the real client,
see a status change arrive, see the stale banner while the backend is down, converge after.

Sync tests that drive the qasync loop themselves (asyncio.Runner, as main() does); no
qtbot.wait* inside the loop, only awaited polls under one overall timeout.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from PySide6.QtCore import QSettings

from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import Status
from supervisor_console.panel.columns import Column
from supervisor_console.session import Console
from tests.support import waiting
from tests.support.accounts import ADMIN_PW
from tests.support.loops import run_on_qasync

until = functools.partial(waiting.until, timeout=30.0, step=0.05)  # a whole console's work


async def sign_in_through_dialog(console: Console, server: str) -> None:
    dialog = console.ask_sign_in(server)
    dialog.username.setText("admin")
    dialog.password.setText(ADMIN_PW)
    dialog.remember.setChecked(False)
    dialog.sign_in_button.click()
    await asyncio.wait_for(console.first_full.wait(), 20)


def status_of(console: Console, user_id: int) -> Status | None:
    row = console.model.user(user_id)
    return None if row is None else row.status


async def backend_rows(base_url: str) -> dict[int, Any]:
    async with ApiClient(base_url) as client:
        await client.login("admin", ADMIN_PW)
        rows, _cursor = await client.users()
    return {row.id: row for row in rows}


def test_status_change_reaches_the_panel(
    qapp: Any, server: Any, console_settings: QSettings
) -> None:
    async def scenario() -> None:
        console = Console(console_settings, feed_wait=2)
        try:
            await sign_in_through_dialog(console, server.base_url)
            # A sign-in is a session (issue 13): backend_rows' own sign-in changes the admin's
            # row, which reaches the panel through the feed.
            expected = await backend_rows(server.base_url)
            await until(lambda: console.model.all_rows() == expected, "the panel to match")
            target = next(
                r for r in console.model.all_rows().values() if r.status is not Status.OFFLINE
            )
            async with ApiClient(server.base_url) as admin:
                await admin.login("admin", ADMIN_PW)
                body = {"expected_status": target.status.value, "status": "meeting", "text": None}
                await admin.request("PUT", f"/users/{target.id}/status", json=body)
            await until(lambda: status_of(console, target.id) is Status.MEETING, "the change")
            row = console.model.display_row_of(target.id)
            assert row is not None
            assert console.model.index(row, Column.STATUS).data() == "Meeting"
        finally:
            await console.shutdown()
            if console.window is not None:
                console.window.close()

    run_on_qasync(scenario, qapp, timeout=90)


def test_stale_banner_while_backend_is_down(
    qapp: Any, server: Any, console_settings: QSettings
) -> None:
    async def scenario() -> None:
        console = Console(console_settings, feed_wait=1)
        loop = asyncio.get_running_loop()
        try:
            await sign_in_through_dialog(console, server.base_url)
            window = console.window
            assert window is not None
            banner = window.connection.banner
            assert not banner.isVisible()
            await loop.run_in_executor(None, server.stop)
            await until(banner.isVisible, "the stale banner")
            assert "stale since" in banner.text()
            await loop.run_in_executor(None, server.start)
            await until(lambda: not banner.isVisible(), "the banner to clear", timeout=60)
            expected = await backend_rows(server.base_url)
            await until(lambda: console.model.all_rows() == expected, "convergence")
        finally:
            await console.shutdown()
            if console.window is not None:
                console.window.close()

    run_on_qasync(scenario, qapp, timeout=100)
