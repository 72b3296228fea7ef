"""Time limits (issue 15): how long a row may stay in a status, on a call, or stuck, before
it warns and then alerts. No Qt.

The limits are the server's (`GET /api/v1/settings/thresholds`), the same for every
console. A row's level is judged when it changes; a row that will cross a limit by time
alone waits in a deadline heap, so the 1 s tick looks only at the rows that are due,
never at all 50,000.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from supervisor_console.api.types import Limit, Status, Thresholds, UserRow

KINDS = ("break", "dnd", "meeting", "other", "unavailable", "call", "stuck")
KIND_LABELS = {
    "break": "Break",
    "dnd": "Do Not Disturb",
    "meeting": "Meeting",
    "other": "Other",
    "unavailable": "Unavailable",
    "call": "A call",
    "stuck": "A stuck dialer",
}
_BY_STATUS = {
    Status.BREAK: "break",
    Status.DND: "dnd",
    Status.MEETING: "meeting",
    Status.OTHER: "other",
    Status.UNAVAILABLE: "unavailable",
}


# The server's defaults (docs/API.md, "Time limits"): shown for a kind it did not send.
DEFAULT_LIMITS = {
    "break": Limit(900, 1200),
    "dnd": Limit(600, 1200),
    "meeting": Limit(3600, 5400),
    "other": Limit(900, 1800),
    "unavailable": Limit(120, 300),
    "call": Limit(600, 1200),
    "stuck": Limit(60, 300),
}


class Level(enum.IntEnum):
    NONE = 0
    WARN = 1
    ALERT = 2


@dataclass(frozen=True, slots=True)
class Judgement:
    """Where a row stands against its limit: which kind, since when, how far."""

    kind: str | None
    since: datetime | None
    level: Level

    def text(self, now: datetime) -> str:
        if self.kind is None or self.since is None or self.level is Level.NONE:
            return ""
        minutes = int((now - self.since).total_seconds() // 60)
        what = "over the alert limit" if self.level is Level.ALERT else "over the warning limit"
        return f"{KIND_LABELS[self.kind]} for {minutes} min: {what}"


NOTHING = Judgement(None, None, Level.NONE)


def measure(row: UserRow, stuck: bool) -> tuple[str | None, datetime | None]:
    """What a row's time is measured on: a live call, a stuck dialer, or its status."""
    if row.live_call is not None:
        return "call", row.live_call.started_at
    if stuck:
        return "stuck", row.status_since
    kind = _BY_STATUS.get(row.status)
    return (kind, row.status_since) if kind is not None else (None, None)


def judge(row: UserRow, now: datetime, thresholds: Thresholds, stuck: bool) -> Judgement:
    kind, since = measure(row, stuck)
    limit = thresholds.limits.get(kind) if kind is not None else None
    if limit is None or since is None:
        return NOTHING
    age = (now - since).total_seconds()
    level = (
        Level.ALERT if age >= limit.alert_s else Level.WARN if age >= limit.warn_s else Level.NONE
    )
    return Judgement(kind, since, level)


def next_crossing(judgement: Judgement, thresholds: Thresholds) -> datetime | None:
    """When this row's level next rises by time alone (None: at the top, or no limit)."""
    if judgement.kind is None or judgement.since is None or judgement.level is Level.ALERT:
        return None
    limit = thresholds.limits[judgement.kind]
    seconds = limit.warn_s if judgement.level is Level.NONE else limit.alert_s
    return judgement.since + timedelta(seconds=seconds)


class LimitTracker:
    """The level of every row over a limit, and a heap of the crossings to come."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self.judged: dict[int, Judgement] = {}  # only rows at WARN or ALERT
        self._heap: list[tuple[float, int, float]] = []  # (when, user id, since)

    def level(self, user_id: int) -> Level:
        found = self.judged.get(user_id)
        return found.level if found is not None else Level.NONE

    def get(self, user_id: int) -> Judgement:
        return self.judged.get(user_id, NOTHING)

    def forget(self, user_id: int) -> None:
        self.judged.pop(user_id, None)  # its heap entry is dropped when it comes due

    def track(self, row: UserRow, now: datetime, stuck: bool) -> Level:
        """Judge a row that changed; returns its level (the heap learns its next crossing)."""
        judgement = judge(row, now, self.thresholds, stuck)
        if judgement.level is Level.NONE:
            self.judged.pop(row.id, None)
        else:
            self.judged[row.id] = judgement
        crossing = next_crossing(judgement, self.thresholds)
        if crossing is not None and judgement.since is not None:
            heapq.heappush(self._heap, (crossing.timestamp(), row.id, judgement.since.timestamp()))
        return judgement.level

    def rebuild(self, rows: Iterable[UserRow], now: datetime, stuck: set[int]) -> None:
        self.judged.clear()
        self._heap.clear()
        for row in rows:
            self.track(row, now, row.id in stuck)

    def due(
        self, rows: Mapping[int, UserRow], now: datetime, stuck: set[int]
    ) -> list[tuple[UserRow, Level, Level]]:
        """Rows whose level rose by time alone since the last call: (row, old, new)."""
        risen: list[tuple[UserRow, Level, Level]] = []
        stamp = now.timestamp()
        while self._heap and self._heap[0][0] <= stamp:
            _when, user_id, since = heapq.heappop(self._heap)
            row = rows.get(user_id)
            if row is None:
                continue
            _kind, measured = measure(row, user_id in stuck)
            if measured is None or measured.timestamp() != since:
                continue  # the row changed since: that change re-judged it
            old = self.level(user_id)
            new = self.track(row, now, user_id in stuck)
            if new > old:
                risen.append((row, old, new))
        return risen

    def counts(self) -> dict[Level, int]:
        found = {Level.WARN: 0, Level.ALERT: 0}
        for judgement in self.judged.values():
            found[judgement.level] += 1
        return found
