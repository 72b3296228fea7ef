"""Wakes the long polls of this instance after a commit (its own, or another instance's)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class ChangeNotifier:
    """Wakes long polls after a commit; commits may happen on any thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self.generation = 0  # how many times it fired: names the current event
        self.waiting = 0  # long polls waiting for a commit right now (read-only; tests read it)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        """The event the next commit will set; take it *before* checking for changes."""
        assert self._event is not None, "notifier not bound to a loop"
        return self._event

    @contextlib.contextmanager
    def waiter(self) -> Iterator[None]:
        """Counts a long poll in `waiting` while it waits for the current event."""
        self.waiting += 1
        try:
            yield
        finally:
            self.waiting -= 1

    def notify(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        old, self._event = self._event, asyncio.Event()
        self.generation += 1
        if old is not None:
            old.set()
