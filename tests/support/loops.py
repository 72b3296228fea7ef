"""Sync tests that drive a qasync loop themselves, as the console's main() does (and so never
call qtbot.wait* inside a running loop). Every such loop is kept alive by the plugin."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from typing import TypeVar

import qasync
from PySide6.QtWidgets import QApplication

T = TypeVar("T")


def run_on_qasync(
    scenario: Callable[[], Awaitable[T]],
    qapp: QApplication | None = None,
    *,
    timeout: float | None = None,
) -> T:
    """Run `scenario()` on a fresh qasync loop, under `timeout` seconds if given."""
    app = qapp or QApplication.instance() or QApplication([])

    async def guarded() -> T:
        return await asyncio.wait_for(scenario(), timeout)

    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            return runner.run(guarded())
    finally:
        gc.collect()  # Qt objects in cycles die here, on the GUI thread
