"""Which users' dialers are stuck right now, and when a long call will make one stuck.

A busy/unavailable row with no live call is stuck as soon as it arrives; a call turns
stuck by time alone, so its deadline waits in a heap that the 1 s tick drains.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime

from supervisor_console.api.types import UserRow
from supervisor_console.panel.filters import StuckRule, stuck_deadline, stuck_reason


class StuckTracker:
    def __init__(self, rule: StuckRule) -> None:
        self.rule = rule
        self.reasons: dict[int, str] = {}  # user id -> why
        self._deadlines: list[tuple[float, int, int]] = []  # (when, user id, call id)

    def __contains__(self, user_id: int) -> bool:
        return user_id in self.reasons

    def get(self, user_id: int) -> str | None:
        return self.reasons.get(user_id)

    def forget(self, user_id: int) -> None:
        self.reasons.pop(user_id, None)  # its heap entry is dropped when it comes due

    def track(self, row: UserRow, old: UserRow | None, now: datetime) -> None:
        reason = stuck_reason(row, now, self.rule)
        if reason:
            self.reasons[row.id] = reason
            return
        self.reasons.pop(row.id, None)
        deadline = stuck_deadline(row, self.rule)
        call = row.live_call
        old_call = None if old is None or old.live_call is None else old.live_call.id
        if deadline is not None and call is not None and call.id != old_call:
            heapq.heappush(self._deadlines, (deadline.timestamp(), row.id, call.id))

    def rebuild(self, rows: Iterable[UserRow], now: datetime) -> None:
        self.reasons.clear()
        self._deadlines.clear()
        for row in rows:
            self.track(row, None, now)

    def due(self, rows: dict[int, UserRow], now: datetime) -> list[UserRow]:
        """Rows whose call has just become too long (now marked stuck)."""
        promoted: list[UserRow] = []
        stamp = now.timestamp()
        while self._deadlines and self._deadlines[0][0] <= stamp:
            _when, user_id, call_id = heapq.heappop(self._deadlines)
            row = rows.get(user_id)
            if row is None or row.live_call is None or row.live_call.id != call_id:
                continue  # the call ended or the user is gone
            reason = stuck_reason(row, now, self.rule)
            if reason:
                self.reasons[user_id] = reason
                promoted.append(row)
        return promoted
