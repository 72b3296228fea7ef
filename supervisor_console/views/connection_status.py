"""Connection state and data age in the status bar, and the stale banner over the panel.

The console never pretends: when the feed is down the banner says since when the data
is stale, and the status bar counts down to the next attempt.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtWidgets import QLabel, QWidget

from supervisor_console.api.types import ConnectionState, FeedStatus

_STATE_TEXT = {
    ConnectionState.CONNECTING: "Connecting…",
    ConnectionState.CONNECTED: "● Connected",
    ConnectionState.RECONNECTING: "Reconnecting",
    ConnectionState.UNREACHABLE: "Server unreachable",
    ConnectionState.SIGNED_OUT: "Signed out",
}
_STALE_STATES = frozenset(
    {ConnectionState.RECONNECTING, ConnectionState.UNREACHABLE, ConnectionState.SIGNED_OUT}
)
BANNER_STYLE = (
    "QLabel { background: #fff4ce; color: #5c4400; border-bottom: 1px solid #e0c060;"
    " padding: 5px 8px; font-weight: 600; }"
)


def age_text(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"updated {seconds} s ago"
    if seconds < 5400:
        return f"updated {seconds // 60} min ago"
    return f"updated {seconds // 3600} h ago"


class ConnectionIndicator:
    """Owns the two status-bar labels and the banner; `refresh()` runs once a second."""

    def __init__(
        self,
        parent: QWidget,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state_label = QLabel(_STATE_TEXT[ConnectionState.CONNECTING], parent)
        self.age_label = QLabel("", parent)
        self.banner = QLabel(parent)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._clock = clock
        self._monotonic = monotonic
        self._status = FeedStatus(ConnectionState.CONNECTING)
        self._retry_at: float | None = None
        self._last_data: datetime | None = None

    @property
    def status(self) -> FeedStatus:
        return self._status

    def set_status(self, status: FeedStatus) -> None:
        self._status = status
        retry = status.retry_in
        self._retry_at = None if retry is None else self._monotonic() + retry
        if status.last_ok is not None:
            self.note_data(status.last_ok)
        self.refresh()

    def note_data(self, when: datetime | None = None) -> None:
        """Data was received (or confirmed current) at `when` (default: now)."""
        when = when or self._clock()
        if self._last_data is None or when > self._last_data:
            self._last_data = when

    def stale_since(self) -> datetime | None:
        return self._last_data

    def refresh(self) -> None:
        self.state_label.setText(self._state_text())
        self.state_label.setToolTip(self._status.message)
        if self._last_data is None:
            self.age_label.setText("no data yet")
        else:
            self.age_label.setText(age_text((self._clock() - self._last_data).total_seconds()))
        stale = self._status.state in _STALE_STATES
        if stale:
            self.banner.setText(self._banner_text())
        self.banner.setVisible(stale)

    def _state_text(self) -> str:
        text = _STATE_TEXT[self._status.state]
        if self._retry_at is not None and self._status.state in _STALE_STATES:
            remaining = max(0, round(self._retry_at - self._monotonic()))
            text += f" in {remaining} s" if remaining else " now…"
        return text

    def _banner_text(self) -> str:
        if self._last_data is None:
            head = "No data yet"
        else:
            head = f"Data is stale since {self._last_data.astimezone():%H:%M:%S}"
        state = self._status.state
        if state is ConnectionState.SIGNED_OUT:
            tail = "you are signed out. Sign in again to resume live updates."
        elif state is ConnectionState.UNREACHABLE:
            tail = "the server cannot be reached; retrying."
        else:
            tail = "reconnecting to the server."
        detail = f" ({self._status.message})" if self._status.message else ""
        return f"⚠ {head}: {tail}{detail}"
