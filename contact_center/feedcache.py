"""Shared /changes answers: consoles at the same cursor cost one query and one encoding.

Every commit wakes every long poll of an instance, and the consoles that followed the
feed are all at the same cursor: without sharing, 100 consoles mean 100 identical queries
and JSON encodings per commit. Here the first request for a cursor computes the answer;
requests for that cursor that arrive meanwhile wait for it, and later ones within `ttl`
reuse it.

Only non-empty answers are shared. A non-empty answer for `since` lists every change in
(since, cursor] as of when it was read: still a correct answer later (the console asks
again from `cursor`). An empty one is not shared, because a long poll must take its wake-up
event *before* reading the feed or it could sleep through a commit.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class FeedAnswers:
    def __init__(self, ttl: float = 1.0, size: int = 256) -> None:
        self.ttl = ttl
        self.size = size
        self._answers: OrderedDict[int, tuple[float, str]] = OrderedDict()
        self._inflight: dict[int, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, since: int, compute: Callable[[int], dict[str, Any]]) -> str | dict[str, Any]:
        """The JSON text of a shared non-empty answer, or this request's own empty answer."""
        while True:
            with self._lock:
                hit = self._answers.get(since)
                if hit is not None and hit[0] > time.monotonic():
                    return hit[1]
                running = self._inflight.get(since)
                if running is None:
                    done = self._inflight[since] = threading.Event()
                    break
            running.wait(10.0)
            with self._lock:
                hit = self._answers.get(since)
                if hit is not None:
                    return hit[1]
            # The shared answer was empty (or failed): read on our own, after our wake-up.
            return compute(since)
        try:
            answer = compute(since)
            if not (answer["users"] or answer["deleted"]):
                return answer
            text = json.dumps(answer, separators=(",", ":"))
            with self._lock:
                self._answers[since] = (time.monotonic() + self.ttl, text)
                self._answers.move_to_end(since)
                while len(self._answers) > self.size:
                    self._answers.popitem(last=False)
            return text
        finally:
            with self._lock:
                del self._inflight[since]
            done.set()
