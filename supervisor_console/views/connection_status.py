"""Connection state and data age in the status bar, and the stale banner over the panel.

The console never pretends: when the feed is down the banner says since when the data
is stale, the status bar counts down to the next attempt ("Server unreachable, retrying
in 2 s") and offers "Retry now". The age of the data counts from the server's time of its
last answer (FeedStatus.last_ok), not from when the answer arrived.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from supervisor_console.api.types import ConnectionState, FeedStatus

_STATE_TEXT = {
    ConnectionState.CONNECTING: "Connecting…",
    ConnectionState.CONNECTED: "● Connected",
    ConnectionState.RECONNECTING: "Reconnecting",
    ConnectionState.UNREACHABLE: "Server unreachable",
    ConnectionState.SIGNED_OUT: "Signed out",
}
# What follows the state while the feed waits to try again: "in 2 s", then "now…".
_COUNTDOWN = {
    ConnectionState.RECONNECTING: (" in {} s", " now…"),
    ConnectionState.UNREACHABLE: (", retrying in {} s", ", retrying now…"),
}
_STALE_STATES = frozenset(
    {ConnectionState.RECONNECTING, ConnectionState.UNREACHABLE, ConnectionState.SIGNED_OUT}
)
RETRY_TEXT = "Retry now"
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
    """Owns the status-bar labels, the Retry now button and the banner.

    `refresh()` runs once a second. The owner puts `retry_button` in the status bar and
    connects its `clicked` to the feed's `retry_now()`; it shows only while the feed waits
    to try again (reconnecting or unreachable).
    """

    def __init__(
        self,
        parent: QWidget,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state_label = QLabel(_STATE_TEXT[ConnectionState.CONNECTING], parent)
        self.age_label = QLabel("", parent)
        self.retry_button = QToolButton(parent)
        self.retry_button.setText(RETRY_TEXT)
        self.retry_button.setToolTip("Try to reach the server now instead of waiting")
        self.retry_button.setAutoRaise(True)
        self.retry_button.hide()
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
            # The feed's word: the server's time of its last answer. It replaces a time
            # noted on arrival (note_data() without a time), which is later under latency.
            self._last_data = status.last_ok
        self.refresh()

    def note_data(self, when: datetime | None = None) -> None:
        """Data was confirmed current at `when`: the server's time of its answer
        (ChangeBatch.server_time). Without one, now: the arrival, until the feed's next
        status gives the server's time."""
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
        self.retry_button.setVisible(self.retrying)

    @property
    def retrying(self) -> bool:
        """The feed is waiting to try again (and Retry now can cut the wait)."""
        return self._retry_at is not None and self._status.state in _COUNTDOWN

    def _state_text(self) -> str:
        text = _STATE_TEXT[self._status.state]
        if self._retry_at is not None and self._status.state in _COUNTDOWN:
            counting, now = _COUNTDOWN[self._status.state]
            # Rounded up: "in 1 s" until the attempt starts, never "in 0 s".
            remaining = math.ceil(self._retry_at - self._monotonic() - 0.05)
            text += counting.format(remaining) if remaining > 0 else now
        return text

    def forget_data(self) -> None:
        """The panel was emptied (signed out): there is no data to call stale."""
        self._last_data = None
        self.refresh()

    def _banner_text(self) -> str:
        state = self._status.state
        if state is ConnectionState.SIGNED_OUT and self._last_data is None:
            detail = f"{self._status.message} " if self._status.message else ""
            return f"⚠ Not signed in. {detail}Session ▸ Sign in… opens the sign-in dialog."
        if self._last_data is None:
            head = "No data yet"
        else:
            head = f"Data is stale since {self._last_data.astimezone():%H:%M:%S}"
        if state is ConnectionState.SIGNED_OUT:
            tail = "you are signed out. Sign in again to resume live updates."
        elif state is ConnectionState.UNREACHABLE:
            tail = "the server cannot be reached; retrying."
        else:
            tail = "reconnecting to the server."
        detail = f" ({self._status.message})" if self._status.message else ""
        return f"⚠ {head}: {tail}{detail}"
