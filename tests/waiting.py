"""Awaiting a condition in async tests (never qtbot.wait* there: docs/console-notes.md, 1)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


async def until(
    check: Callable[[], Any],
    what: str = "the condition",
    *,
    timeout: float = 5.0,
    step: float = 0.01,
) -> None:
    """Poll `check` on the running loop until it is true; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(step)
