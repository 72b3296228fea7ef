"""Details load asynchronously through the client: "Loading…", then data or an error.

Async tests on the qasync loop: no qtbot.wait* here, only awaited tasks with timeouts.
"""

from __future__ import annotations

import asyncio
from typing import Any

from supervisor_console.api.errors import ForbiddenError
from supervisor_console.views.main_window import MainWindow


class FakeSource:
    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def sessions(self, user_id: int) -> list[dict[str, Any]]:
        await self.release.wait()
        return [{"id": 1, "client": "softphone", "started_at": "09:00", "last_seen": "09:05"}]

    async def calls(self, user_id: int) -> list[dict[str, Any]]:
        await self.release.wait()
        return []

    async def activity(self, user_id: int) -> list[dict[str, Any]]:
        await self.release.wait()
        raise ForbiddenError("Only admins may read the audit log.")


async def test_details_show_loading_then_data_and_errors(window: MainWindow) -> None:
    source = FakeSource()
    window.set_detail_source(source)
    window.open_detail(window.model.row_at(0))
    assert window.detail.notes["sessions"].text() == "Loading…"
    source.release.set()
    await asyncio.wait_for(window.detail.wait_loaded(), 5)
    assert window.detail.lists["sessions"].topLevelItemCount() == 1
    assert window.detail.notes["calls"].text() == "None."
    assert "Only admins" in window.detail.notes["activity"].text()


async def test_opening_another_user_cancels_the_first_load(window: MainWindow) -> None:
    source = FakeSource()
    window.set_detail_source(source)
    window.open_detail(window.model.row_at(0))
    first = window.detail._task
    window.open_detail(window.model.row_at(1))
    await asyncio.sleep(0)
    assert first is not None
    assert first.cancelled()
    source.release.set()
    await asyncio.wait_for(window.detail.wait_loaded(), 5)
    assert window.detail.user_id == window.model.row_at(1).id
