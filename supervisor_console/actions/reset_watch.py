"""After a confirmed dialer reset, watch the row until it shows Available.

If the row has not turned Available within 30 seconds, say so on the row and suggest
the next step (docs/console-notes.md, 3.2). Plain Python with an injectable clock; the view drives `check()`.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterable

from supervisor_console.api.types import Status, UserRow

DEFAULT_LIMIT = 30.0  # seconds ("wait 30 seconds and refresh again": 3.2)


class WatchState(enum.Enum):
    PENDING = "reset pending"
    OVERDUE = "overdue"


def mark_text(state: WatchState, limit: float) -> str:
    """What the row shows next to the status."""
    if state is WatchState.PENDING:
        return "reset pending…"
    return f"not Available after {limit:g} s"


class ResetWatch:
    def __init__(
        self, limit: float = DEFAULT_LIMIT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._deadlines: dict[int, float] = {}
        self._overdue: set[int] = set()

    def start(self, user_id: int) -> None:
        self._deadlines[user_id] = self._clock() + self.limit
        self._overdue.discard(user_id)

    def state(self, user_id: int) -> WatchState | None:
        if user_id in self._overdue:
            return WatchState.OVERDUE
        return WatchState.PENDING if user_id in self._deadlines else None

    def watched(self) -> list[int]:
        return [*self._deadlines, *self._overdue]

    def observe(self, rows: Iterable[UserRow]) -> list[int]:
        """Rows the panel now shows; returns the ids whose watch ended (Available)."""
        ended = []
        for row in rows:
            if row.status is Status.AVAILABLE and self.state(row.id) is not None:
                self.forget(row.id)
                ended.append(row.id)
        return ended

    def check(self) -> list[int]:
        """Ids that have just become overdue."""
        now = self._clock()
        due = [uid for uid, deadline in self._deadlines.items() if deadline <= now]
        for uid in due:
            del self._deadlines[uid]
            self._overdue.add(uid)
        return due

    def next_deadline_in(self) -> float | None:
        if not self._deadlines:
            return None
        return max(0.0, min(self._deadlines.values()) - self._clock())

    def forget(self, user_id: int) -> None:
        self._deadlines.pop(user_id, None)
        self._overdue.discard(user_id)
