"""The tasks a view starts: each kept referenced until done, a crash logged and reported."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

log = logging.getLogger(__name__)


class TaskKeeper:
    """Starts tasks on the running loop and keeps them until they end.

    A task nobody references may be garbage-collected mid-flight; a crash nobody looks at
    vanishes. `report`, if given, tells the user in their words ("The action failed ...").
    """

    def __init__(self, what: str, report: Callable[[str], None] | None = None) -> None:
        self.what = what
        self.report = report
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        log.error("%s failed", self.what, exc_info=task.exception())
        if self.report is not None:
            self.report(f"The {self.what} failed unexpectedly: {task.exception()}")

    async def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def __iter__(self) -> Iterator[asyncio.Task[Any]]:
        return iter(list(self._tasks))

    def __len__(self) -> int:
        return len(self._tasks)
