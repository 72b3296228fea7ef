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
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool

Answer = str | dict[str, Any]


class FeedAnswers:
    def __init__(self, ttl: float = 1.0, size: int = 256) -> None:
        self.ttl = ttl
        self.size = size
        self.reads = 0  # reads started: tests and benchmarks
        self._answers: OrderedDict[int, tuple[float, str]] = OrderedDict()
        self._empty_generation = -1
        self._empty: dict[int, dict[str, Any]] = {}  # cursor -> empty answer, this generation
        self._inflight: dict[int, tuple[int, asyncio.Future[Answer]]] = {}

    async def get(
        self, since: int, generation: int, compute: Callable[[int], dict[str, Any]]
    ) -> Answer:
        """The JSON text of a shared non-empty answer, or an empty answer (a dict) that is
        valid for a poll holding `generation`. Call from the event loop only."""
        hit = self._answers.get(since)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        if generation == self._empty_generation and since in self._empty:
            return self._empty[since]
        running = self._inflight.get(since)
        if running is not None:
            started_in, future = running
            try:
                answer = await asyncio.shield(future)
            except Exception:  # noqa: BLE001 - any failure of the shared read: read on our own (below)
                answer = None  # the shared read failed: read on our own (e.g. a 410 for us too)
            if isinstance(answer, str) or (answer is not None and started_in == generation):
                return answer
        return await asyncio.shield(self._start(since, generation, compute))

    def _start(
        self, since: int, generation: int, compute: Callable[[int], dict[str, Any]]
    ) -> asyncio.Future[Answer]:
        self.reads += 1
        future: asyncio.Future[Answer] = asyncio.ensure_future(
            run_in_threadpool(self._read, since, compute)
        )
        if since not in self._inflight:
            self._inflight[since] = (generation, future)

        def done(f: asyncio.Future[Answer]) -> None:
            if self._inflight.get(since, (None, None))[1] is f:
                del self._inflight[since]
            if f.cancelled() or f.exception() is not None:
                return
            answer = f.result()
            if isinstance(answer, str):
                self._answers[since] = (time.monotonic() + self.ttl, answer)
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
    def _read(since: int, compute: Callable[[int], dict[str, Any]]) -> Answer:
        answer = compute(since)
        if not (answer["users"] or answer["deleted"]):
            return answer
        return json.dumps(answer, separators=(",", ":"))
