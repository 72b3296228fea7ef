"""Time limits (issue 15, item 2): each rule, and the deadline heap against a full rescan."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from supervisor_console.api.types import Limit, LiveCall, Status, Thresholds
from supervisor_console.api.wire import thresholds
from supervisor_console.dev.samples import make_row
from supervisor_console.panel.limits import Level, LimitTracker, judge

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
LIMITS = Thresholds(
    3,
    {
        "break": Limit(900, 1200), "dnd": Limit(600, 1200), "meeting": Limit(3600, 5400),
        "other": Limit(900, 1800), "unavailable": Limit(120, 300), "call": Limit(600, 1200),
        "stuck": Limit(60, 300),
    },
)  # fmt: skip


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_each_kind_warns_then_alerts() -> None:
    row = make_row(1, status=Status.BREAK, status_since=T0)
    assert judge(row, at(14), LIMITS, False).level is Level.NONE
    assert judge(row, at(15), LIMITS, False).level is Level.WARN
    assert judge(row, at(20), LIMITS, False).level is Level.ALERT
    text = judge(row, at(21), LIMITS, False).text(at(21))
    assert text == "Break for 21 min: over the alert limit"
    call = LiveCall(9, "inbound", "+1555", T0)
    busy = make_row(2, status=Status.BUSY, status_since=T0 - timedelta(hours=1), live_call=call)
    assert judge(busy, at(10), LIMITS, False).kind == "call"  # measured on the call
    assert judge(busy, at(10), LIMITS, False).level is Level.WARN
    stuck = make_row(3, status=Status.BUSY, status_since=T0)
    assert judge(stuck, at(1), LIMITS, True).kind == "stuck"
    assert judge(stuck, at(5), LIMITS, True).level is Level.ALERT
    available = make_row(4, status=Status.AVAILABLE, status_since=T0 - timedelta(days=1))
    assert judge(available, at(0), LIMITS, False).level is Level.NONE  # no limit on Available


def test_a_malformed_answer_keeps_only_what_is_valid() -> None:
    answer = {
        "version": 4,
        "thresholds": {"break": {"warn_s": 60, "alert_s": 120}, "dnd": {"warn_s": 9, "alert_s": 3}},
    }
    parsed = thresholds(answer)
    assert parsed.version == 4
    assert dict(parsed.limits) == {"break": Limit(60, 120)}


def test_the_heap_finds_every_crossing_a_rescan_finds() -> None:
    rng = random.Random(7)
    statuses = [Status.BREAK, Status.DND, Status.MEETING, Status.OTHER, Status.UNAVAILABLE]
    rows = {
        i: make_row(
            i,
            status=rng.choice(statuses),
            status_since=T0 - timedelta(seconds=rng.randint(0, 4000)),
        )
        for i in range(1, 400)
    }
    tracker = LimitTracker(LIMITS)
    tracker.rebuild(rows.values(), T0, set())
    risen_total = 0
    for step in range(1, 120):
        now = T0 + timedelta(seconds=30 * step)
        risen_total += len(tracker.due(rows, now, set()))
        expected = {i: judge(r, now, LIMITS, False).level for i, r in rows.items()}
        assert {i: tracker.level(i) for i in rows} == expected
    assert risen_total > 0
    counts = tracker.counts()
    assert counts[Level.ALERT] == sum(1 for level in expected.values() if level is Level.ALERT)


def test_a_row_that_changed_is_judged_on_its_new_status() -> None:
    tracker = LimitTracker(LIMITS)
    row = make_row(1, status=Status.BREAK, status_since=T0)
    tracker.track(row, T0, False)
    back = make_row(1, version=2, status=Status.AVAILABLE, status_since=at(5))
    tracker.track(back, at(5), False)
    assert tracker.due({1: back}, at(30), set()) == []  # the old break's deadline is stale
    assert tracker.level(1) is Level.NONE
