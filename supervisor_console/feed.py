"""The live change feed: snapshot, then long-poll `/changes`, reconnecting with backoff.

Pure asyncio, no Qt: the panel model subscribes through two plain callbacks, called on
the event loop in the order the server sent the data (never reordered, never concurrent).

Reconnecting: the delay before attempt n is `jitter() * min(BACKOFF_MAX, 0.5 s * 2**(n-1))`
("full jitter": uniform between 0 and the capped exponential). The cap bounds how long
a supervisor looks at a stale panel once the server is back: a refused connection fails
at once, so the next attempt starts at most BACKOFF_MAX after the server returns, and the
panel is live again when that attempt's snapshot has arrived: at most BACKOFF_MAX plus
one snapshot read, well under 5 s (tests/faults/test_reconnect.py measures it).
`retry_now()` skips the wait. The jitter is what protects a restarted server: 200
consoles that lost it at the same moment spread their first attempts uniformly over
BACKOFF_MAX (about 80 snapshot reads a second at 2.5 s) instead of arriving together; a
longer cap would spread them more but keep every supervisor looking at stale data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from supervisor_console.api.errors import (
    ApiError,
    AuthError,
    CursorExpiredError,
    NetworkError,
    ServerError,
)
from supervisor_console.api.types import ChangeBatch, ConnectionState, FeedStatus

log = logging.getLogger(__name__)

MAX_WAIT = 30.0  # the server refuses longer long polls
BACKOFF_INITIAL = 0.5
BACKOFF_MAX = 2.5  # see the module's docstring: back within 5 s, a restart not stampeded
CRASHED = "The live view stopped after an internal error: restart the console."


class FeedSource(Protocol):
    """What the feed needs of the client (ApiClient satisfies it)."""

    async def snapshot(self) -> ChangeBatch: ...  # a full batch

    async def changes(self, since: int, wait: float = ...) -> ChangeBatch: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ChangeFeed:
    """Keeps a consumer in step with the server's users.

    `on_batch` gets a full batch first (and after any resync), then incremental ones;
    `on_status` gets the connection state for the status bar.
    """

    def __init__(
        self,
        client: FeedSource,
        on_batch: Callable[[ChangeBatch], None],
        on_status: Callable[[FeedStatus], None],
        *,
        wait: float = 25.0,
        backoff_initial: float = BACKOFF_INITIAL,
        backoff_max: float = BACKOFF_MAX,
        unreachable_after: int = 3,
        full_resync_after: float = 60.0,
        clock: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._client = client
        self._on_batch = on_batch
        self.settings_version: int | None = None  # the server's shared settings, last seen
        self._on_status = on_status
        self.wait = min(max(wait, 0.0), MAX_WAIT)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.unreachable_after = unreachable_after
        self.full_resync_after = full_resync_after
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter
        self._task: asyncio.Task[None] | None = None
        self.cursor: int | None = None
        self.status = FeedStatus(ConnectionState.CONNECTING)
        self._failures = 0
        self._down_since: datetime | None = None
        self._wake: asyncio.Event | None = None  # set while backing off: retry_now() sets it

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start following the server (from a full snapshot); no-op when running."""
        if self.running:
            return
        self._task = asyncio.get_running_loop().create_task(self._run(), name="change-feed")
        self._task.add_done_callback(_log_crash)

    async def stop(self) -> None:
        """Cancel the feed and wait until it has stopped."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        # A crash was already logged by _log_crash; stopping must not raise it again.
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    def retry_now(self) -> bool:
        """Cut the current back-off short and try again at once ("Retry now").

        Returns whether there was a wait to cut. A no-op while connected, while an attempt
        is already under way, and once the feed has stopped (signed out, crashed, stopped).
        """
        wake = self._wake
        if wake is None or wake.is_set():
            return False
        wake.set()
        self._set_status(FeedStatus(self.status.state, retry_in=0.0, message=self.status.message))
        return True

    async def resync(self) -> None:
        """Drop the cursor and start over from a full snapshot (e.g. after a 409)."""
        await self.stop()
        self.cursor = None
        self.start()

    # -- the loop ----------------------------------------------------------------------

    async def _run(self) -> None:
        self._set_status(FeedStatus(ConnectionState.CONNECTING))
        expired_in_a_row = 0
        while True:
            try:
                if self.cursor is None:
                    answered = await self._read_snapshot()
                else:
                    answered = await self._read_changes()
                    expired_in_a_row = 0
                self._recovered(answered)
            except CursorExpiredError as exc:
                self.cursor = None
                expired_in_a_row += 1
                if expired_in_a_row > 1:  # 410 right after a fresh snapshot: server trouble
                    await self._back_off(exc)
            except AuthError as exc:
                self._set_status(FeedStatus(ConnectionState.SIGNED_OUT, message=str(exc)))
                return
            except ApiError as exc:  # network, 5xx, garbled, or a refusal that may pass
                await self._back_off(exc)
            except Exception:
                # A bug (most likely in a callback): say so rather than look connected.
                self._set_status(FeedStatus(ConnectionState.UNREACHABLE, message=CRASHED))
                raise

    async def _read_snapshot(self) -> datetime | None:
        batch = await self._client.snapshot()
        self._deliver(batch)
        return batch.server_time

    async def _read_changes(self) -> datetime | None:
        assert self.cursor is not None
        # Back from a failure: ask without waiting, so the status bar says "Connected" as
        # soon as the server answers, not when the next change (or the long poll's end,
        # up to `wait` seconds on a quiet floor) happens to come.
        wait = 0.0 if self._failures else self.wait
        batch = await self._client.changes(self.cursor, wait)
        settings_moved = (
            batch.settings_version is not None and batch.settings_version != self.settings_version
        )
        if batch.changed or batch.deleted or settings_moved:
            self._deliver(batch)  # a new settings version comes with no rows (time limits)
        if batch.settings_version is not None:
            self.settings_version = batch.settings_version
        self.cursor = batch.cursor
        return batch.server_time

    def _deliver(self, batch: ChangeBatch) -> None:
        self._on_batch(batch)
        self.cursor = batch.cursor

    def _recovered(self, answered: datetime | None) -> None:
        # The data is as current as the server's answer, not as our receiving it (under
        # latency they differ). The client has already brought the server's time onto our
        # clock; without one, the arrival; never later than now.
        now = self._clock()
        last_ok = now if answered is None else min(answered, now)
        self._failures = 0
        self._down_since = None
        self._set_status(FeedStatus(ConnectionState.CONNECTED, last_ok=last_ok))

    async def _back_off(self, exc: ApiError) -> None:
        self._failures += 1
        now = self._clock()
        if self._down_since is None:
            self._down_since = now
        delay = self._jitter() * min(
            self.backoff_max, self.backoff_initial * 2 ** (self._failures - 1)
        )
        state = (
            ConnectionState.UNREACHABLE
            if self._failures >= self.unreachable_after
            else ConnectionState.RECONNECTING
        )
        log.info("feed: %s; retrying in %.1f s", exc, delay)
        self._set_status(FeedStatus(state, retry_in=delay, message=str(exc)))
        await self._pause(delay)
        if self._cursor_may_be_stale(exc):
            self.cursor = None

    async def _pause(self, delay: float) -> None:
        """Sleep `delay` seconds, or less if `retry_now()` is called meanwhile."""
        wake = self._wake = asyncio.Event()
        sleeping = asyncio.ensure_future(self._sleep(delay))
        woken = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait((sleeping, woken), return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._wake = None
            for task in (sleeping, woken):
                task.cancel()
            # Reap both (also when stop() cancels us here): no task left pending.
            await asyncio.gather(sleeping, woken, return_exceptions=True)

    def _cursor_may_be_stale(self, exc: ApiError) -> bool:
        # A short blip resumes from the cursor (a too-old cursor gets 410 anyway). After a
        # long outage the server may have been replaced by one whose cursors mean something
        # else, and a garbled or refused answer proves nothing: re-read everything to be sure.
        transient = isinstance(exc, NetworkError | ServerError)
        if not transient or self._failures >= self.unreachable_after:
            return True
        assert self._down_since is not None
        return (self._clock() - self._down_since).total_seconds() >= self.full_resync_after

    def _set_status(self, status: FeedStatus) -> None:
        # Keep "last confirmed current" across non-connected states: the UI shows staleness.
        if status.last_ok is None and status.state is not ConnectionState.CONNECTED:
            status = FeedStatus(status.state, status.retry_in, self.status.last_ok, status.message)
        self.status = status
        self._on_status(status)


def _log_crash(task: asyncio.Task[None]) -> None:
    # A bug in a callback must not vanish with the task.
    if not task.cancelled() and task.exception() is not None:
        log.error("change feed stopped", exc_info=task.exception())
