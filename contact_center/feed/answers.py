"""Shared /changes answers: consoles at the same cursor cost one query and one encoding.

Every commit wakes every long poll of an instance, and the consoles that followed the
feed are all at the same cursor: without sharing, 100 consoles mean 100 identical queries
and JSON encodings per commit. Here the first request for a cursor starts one read (in the
threadpool, query and encoding together); requests for that cursor that arrive meanwhile
await it on the event loop (no thread each), and later ones within `ttl` reuse it.

A non-empty answer for `since` lists every change in (since, cursor] as of when it was
read: still a correct answer later (the console asks again from `cursor`), so it is shared
with anyone. An empty one is only shared within one *generation*: the notifier's event that
was current when the read started (`ChangeNotifier.generation`). A long poll takes its wake-up event *before* reading the
feed; a read that started under that same event saw every commit whose wake-up came before
it, and any later commit sets the event, so the poll cannot sleep through a change.

Every answer carries `settings_version` (the time limits' version, read after the journal).
No answer older than the newest settings version this instance knows of is served again,
shared or cached: `note_settings` (called by a PUT of the time limits, after its commit)
and every read raise that mark, so a console never gets the old version after this
instance saw the new one (it would only learn it one poll later, but promptly is the
contract).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool

Answer = str | dict[str, Any]
Read = tuple[Answer, int]  # an answer and its settings_version


class FeedAnswers:
    def __init__(self, ttl: float = 1.0, size: int = 256) -> None:
        self.ttl = ttl
        self.size = size
        self.reads = 0  # reads started: tests and benchmarks
        self._answers: OrderedDict[int, tuple[float, str, int]] = OrderedDict()
        self._empty_generation = -1
        self._empty: dict[int, dict[str, Any]] = {}  # cursor -> empty answer, this generation
        self._inflight: dict[int, tuple[int, asyncio.Future[Read]]] = {}
        self.settings_version = 0  # the newest this instance knows of: older answers are stale
        self._settings_lock = threading.Lock()

    def note_settings(self, version: int) -> None:
        """The time limits are at `version` now (any thread): older answers are not served."""
        with self._settings_lock:
            self.settings_version = max(self.settings_version, version)

    async def get(
        self, since: int, generation: int, compute: Callable[[int], dict[str, Any]]
    ) -> Answer:
        """The JSON text of a shared non-empty answer, or an empty answer (a dict) that is
        valid for a poll holding `generation`. Call from the event loop only."""
        hit = self._answers.get(since)
        if hit is not None and hit[0] > time.monotonic() and hit[2] >= self.settings_version:
            return hit[1]
        empty = self._empty.get(since) if generation == self._empty_generation else None
        if empty is not None and empty["settings_version"] >= self.settings_version:
            return empty
        running = self._inflight.get(since)
        if running is not None:
            started_in, future = running
            shared: Answer | None = None
            try:
                shared, version = await asyncio.shield(future)
            except Exception:  # noqa: BLE001 - any failure of the shared read: read on our own (below)
                version = 0  # the shared read failed: read on our own (e.g. a 410 for us too)
            fresh = version >= self.settings_version  # no PUT of the limits since it read
            if (
                shared is not None
                and fresh
                and (isinstance(shared, str) or started_in == generation)
            ):
                return shared
        answer, _ = await asyncio.shield(self._start(since, generation, compute))
        return answer

    def _start(
        self, since: int, generation: int, compute: Callable[[int], dict[str, Any]]
    ) -> asyncio.Future[Read]:
        self.reads += 1
        future: asyncio.Future[Read] = asyncio.ensure_future(
            run_in_threadpool(self._read, since, compute)
        )
        if since not in self._inflight:
            self._inflight[since] = (generation, future)

        def done(f: asyncio.Future[Read]) -> None:
            if self._inflight.get(since, (None, None))[1] is f:
                del self._inflight[since]
            if f.cancelled() or f.exception() is not None:
                return
            answer, version = f.result()
            self.note_settings(version)
            if isinstance(answer, str):
                self._answers[since] = (time.monotonic() + self.ttl, answer, version)
                self._answers.move_to_end(since)
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
            else:
                if generation > self._empty_generation:
                    self._empty_generation, self._empty = generation, {}
                if generation == self._empty_generation and len(self._empty) < self.size:
                    self._empty[since] = answer

        future.add_done_callback(done)
        return future

    @staticmethod
    def _read(since: int, compute: Callable[[int], dict[str, Any]]) -> Read:
        answer = compute(since)
        version = int(answer["settings_version"])
        if answer["cursor"] == since:  # nothing after `since`: an empty answer
            return answer, version
        # Users, deleted ids or only a settings change (no users, a new settings_version).
        return json.dumps(answer, separators=(",", ":")), version
