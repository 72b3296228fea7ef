"""The status bar's words: the countdown, Retry now, and the data's age by the server's time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QWidget

from supervisor_console.api.types import ConnectionState, FeedStatus
from supervisor_console.feed import CRASHED
from supervisor_console.views.connection_status import ConnectionIndicator

T0 = datetime(2026, 11, 23, 9, 15, 0, tzinfo=UTC)


class Clocks:
    """Wall clock and monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.wall = T0
        self.mono = 1000.0

    def clock(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def indicator(qtbot: Any, clocks: Clocks) -> Iterator[ConnectionIndicator]:
    parent = QWidget()  # held here: the labels and the button die with it
    qtbot.addWidget(parent)
    # yield, not return: the suspended frame keeps `parent` alive until teardown
    yield ConnectionIndicator(parent, clock=clocks.clock, monotonic=clocks.monotonic)  # noqa: PT022


def shown(indicator: ConnectionIndicator) -> bool:
    return not indicator.retry_button.isHidden()


def test_unreachable_counts_down_and_offers_retry_now(
    indicator: ConnectionIndicator, clocks: Clocks
) -> None:
    assert indicator.state_label.text() == "Connecting…"
    assert not shown(indicator)
    indicator.set_status(FeedStatus(ConnectionState.UNREACHABLE, retry_in=2.5, last_ok=T0))
    assert indicator.state_label.text() == "Server unreachable, retrying in 3 s"
    assert shown(indicator)
    assert indicator.retry_button.text() == "Retry now"
    clocks.advance(1.0)
    indicator.refresh()
    assert indicator.state_label.text() == "Server unreachable, retrying in 2 s"
    clocks.advance(1.0)
    indicator.refresh()
    assert indicator.state_label.text() == "Server unreachable, retrying in 1 s"
    clocks.advance(0.5)
    indicator.refresh()
    assert indicator.state_label.text() == "Server unreachable, retrying now…"
    assert shown(indicator)  # the attempt may hang (a black-holed host): still offered


def test_reconnecting_counts_down(indicator: ConnectionIndicator, clocks: Clocks) -> None:
    indicator.set_status(FeedStatus(ConnectionState.RECONNECTING, retry_in=2.0, last_ok=T0))
    assert indicator.state_label.text() == "Reconnecting in 2 s"
    assert shown(indicator)
    indicator.set_status(FeedStatus(ConnectionState.RECONNECTING, retry_in=0.0, last_ok=T0))
    assert indicator.state_label.text() == "Reconnecting now…"  # after Retry now


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (FeedStatus(ConnectionState.CONNECTING), "Connecting…"),
        (FeedStatus(ConnectionState.CONNECTED, last_ok=T0), "● Connected"),
        (FeedStatus(ConnectionState.SIGNED_OUT, message="Sign in again."), "Signed out"),
        (FeedStatus(ConnectionState.UNREACHABLE, message=CRASHED), "Server unreachable"),
    ],
    ids=["connecting", "connected", "signed-out", "crashed"],
)
def test_no_retry_offered_without_a_retry_pending(
    indicator: ConnectionIndicator, status: FeedStatus, text: str
) -> None:
    indicator.set_status(FeedStatus(ConnectionState.UNREACHABLE, retry_in=2.0, last_ok=T0))
    assert shown(indicator)
    indicator.set_status(status)
    assert indicator.state_label.text() == text
    assert not shown(indicator)


def test_retry_button_is_a_button_the_owner_connects(
    qtbot: Any, indicator: ConnectionIndicator
) -> None:
    pressed: list[bool] = []
    button = indicator.retry_button
    assert isinstance(button, QAbstractButton)
    button.clicked.connect(lambda: pressed.append(True))
    indicator.set_status(FeedStatus(ConnectionState.UNREACHABLE, retry_in=2.0, last_ok=T0))
    window = button.window()
    window.show()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert pressed == [True]


def test_age_counts_from_the_server_time_not_the_arrival(
    indicator: ConnectionIndicator, clocks: Clocks
) -> None:
    # The answer was dated by the server 3 s before it arrived (a slow network): what the
    # window does on a batch (note_data() on arrival), then the feed's status.
    indicator.note_data()
    indicator.set_status(
        FeedStatus(ConnectionState.CONNECTED, last_ok=clocks.wall - timedelta(seconds=3))
    )
    assert indicator.age_label.text() == "updated 3 s ago"
    clocks.advance(2)
    indicator.refresh()
    assert indicator.age_label.text() == "updated 5 s ago"


def test_age_given_a_server_time_by_the_batch(
    indicator: ConnectionIndicator, clocks: Clocks
) -> None:
    assert indicator.age_label.text() == ""
    indicator.refresh()
    assert indicator.age_label.text() == "no data yet"
    indicator.note_data(clocks.wall - timedelta(seconds=4))
    indicator.refresh()
    assert indicator.age_label.text() == "updated 4 s ago"
    indicator.note_data(clocks.wall - timedelta(seconds=9))  # older news changes nothing
    indicator.refresh()
    assert indicator.age_label.text() == "updated 4 s ago"


def test_banner_keeps_the_stale_time_while_retrying(
    indicator: ConnectionIndicator, clocks: Clocks
) -> None:
    indicator.set_status(FeedStatus(ConnectionState.CONNECTED, last_ok=T0))
    clocks.advance(30)
    indicator.set_status(FeedStatus(ConnectionState.UNREACHABLE, retry_in=2.5, last_ok=T0))
    assert f"stale since {T0.astimezone():%H:%M:%S}" in indicator.banner.text()
    assert "cannot be reached" in indicator.banner.text()
    assert indicator.age_label.text() == "updated 30 s ago"
