"""Waiting on a condition instead of sleeping: `until` in async tests (never qtbot.wait*
there: docs/console-notes.md, 1), `wait_until` in sync tests and threads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any


async def until(
    check: Callable[[], Any],
    what: str = "the condition",
    *,
    timeout: float = 10.0,
    step: float = 0.005,
) -> None:
    """Poll `check` on the running loop until it is true; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(step)


def wait_until(
    check: Callable[[], Any],
    what: str = "the condition",
    *,
    timeout: float = 10.0,
    step: float = 0.005,
) -> None:
    """Poll `check` (blocking) until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step)
