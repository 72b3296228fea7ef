"""The summary bar's counts: kept incrementally, always equal to a full recount."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supervisor_console.api.types import ChangeBatch, LiveCall, Status, UserRow
from supervisor_console.dev.samples import EPOCH, changed, make_row, random_row
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.panel.filters import PanelFilter, StuckRule
from supervisor_console.panel.summary import StatusCounts, other_key, recount

NOW = EPOCH + timedelta(minutes=45)
OTHER_TEXTS = ["Lunch", "lunch", "  LUNCH ", "Training", "Coaching session", None]
FILTERS = [
    PanelFilter(),
    PanelFilter(statuses=frozenset({Status.BUSY, Status.UNAVAILABLE, Status.BREAK})),
    PanelFilter(stuck_only=True),
    PanelFilter(desk="Sales"),
    PanelFilter(search="ada", statuses=frozenset({Status.OTHER})),
]


@pytest.fixture(autouse=True)
def _gui_app(qapp: Any) -> None:
    """The model is a QObject; its signals want an application."""


def _row(user_id: int, rng: random.Random, version: int = 1) -> UserRow:
    row = random_row(user_id, rng)
    if row.status is Status.OTHER:
        row = dataclasses.replace(row, status_text=rng.choice(OTHER_TEXTS))
    return dataclasses.replace(row, version=version)


def _expected(model: LivePanelModel) -> StatusCounts:
    """The counts from scratch: every row, its stuck mark, whether the filters show it."""
    shown = {row.id for row in model.shown_rows()}
    return recount(
        (row, model.stuck_reason(row.id) is not None, row.id in shown)
        for row in model.all_rows().values()
    )


def _assert_equal(model: LivePanelModel) -> None:
    want = _expected(model)
    assert model.summary.floor.as_dict() == want.floor.as_dict()
    assert model.summary.shown.as_dict() == want.shown.as_dict()
    assert model.summary.shown.total == model.shown_count
    assert model.summary.floor.total == model.total_count
    assert len(model.summary) == model.total_count


step = st.tuples(
    st.lists(st.integers(1, 40), max_size=15),  # ids to change (unknown ids are added)
    st.lists(st.integers(1, 40), max_size=4),  # ids to delete
    st.integers(0, len(FILTERS)),  # a filter change first (len: none)
    st.booleans(),  # resend a stale copy too
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10**6), steps=st.lists(step, min_size=1, max_size=8))
def test_random_batches_equal_a_full_recount(seed: int, steps: list[Any]) -> None:
    rng = random.Random(seed)
    model = LivePanelModel(clock=lambda: NOW)
    held = {i: _row(i, rng) for i in range(1, 26)}
    model.apply(ChangeBatch(list(held.values()), [], 1, full=True))
    _assert_equal(model)
    for cursor, (change_ids, delete_ids, filter_index, resend) in enumerate(steps, start=2):
        if filter_index < len(FILTERS):
            model.set_filter(FILTERS[filter_index])
            _assert_equal(model)
        rows: list[UserRow] = []
        for user_id in change_ids:
            old = held.get(user_id)
            new = _row(user_id, rng, old.version + 1 if old else 1)
            if old is not None and resend:
                rows.append(old)
            rows.append(new)
            held[user_id] = new
        deleted = [i for i in delete_ids if i not in change_ids]
        for user_id in deleted:
            held.pop(user_id, None)
        model.apply(ChangeBatch(rows, deleted, cursor))
        _assert_equal(model)


def test_seeded_loop_at_a_larger_floor() -> None:
    """A thousand users, many batches, every filter: never a drift from the recount."""
    rng = random.Random(2026)
    model = LivePanelModel(clock=lambda: NOW)
    held = {i: _row(i, rng) for i in range(1, 1001)}
    model.apply(ChangeBatch(list(held.values()), [], 1, full=True))
    for cursor in range(2, 62):
        if cursor % 10 == 0:
            model.set_filter(rng.choice(FILTERS))
        picked = [changed(held[i], rng) for i in rng.sample(sorted(held), 100)]
        picked = [
            dataclasses.replace(r, status_text=rng.choice(OTHER_TEXTS))
            if r.status is Status.OTHER
            else r
            for r in picked
        ]
        held.update({r.id: r for r in picked})
        gone = rng.sample(sorted(held), 3)
        for user_id in gone:
            del held[user_id]
        model.apply(ChangeBatch(picked, gone, cursor))
    _assert_equal(model)
    assert model.summary.floor.total == len(held)


def test_other_texts_count_case_folded_with_the_most_used_spelling() -> None:
    rows = [
        make_row(1, status=Status.OTHER, status_text="Lunch"),
        make_row(2, status=Status.OTHER, status_text="lunch "),
        make_row(3, status=Status.OTHER, status_text="Lunch"),
        make_row(4, status=Status.OTHER, status_text="Training"),
        make_row(5, status=Status.OTHER, status_text=None),
        make_row(6, status=Status.BREAK, status_text="Lunch"),  # not Other: no text counted
    ]
    model = LivePanelModel(clock=lambda: NOW)
    model.apply(ChangeBatch(rows, [], 1, full=True))
    floor = model.summary.floor
    assert floor.count(Status.OTHER) == 5
    assert floor.other_texts() == [("Lunch", 3), ("Training", 1)]
    assert other_key("  LUNCH ") == other_key("lunch")
    # The most used spelling follows the rows.
    model.apply(
        ChangeBatch(
            [make_row(i, version=2, status=Status.OTHER, status_text="LUNCH") for i in (1, 3)],
            [],
            2,
        )
    )
    assert floor.other_texts() == [("LUNCH", 3), ("Training", 1)]
    model.apply(ChangeBatch([], [1, 2, 3], 3))
    assert model.summary.floor.other_texts() == [("Training", 1)]
    assert model.summary.floor.others.keys() == {"training"}


def test_shown_follows_the_filters_and_floor_does_not() -> None:
    rows = [
        make_row(i, status=Status.BUSY if i % 3 == 0 else Status.AVAILABLE) for i in range(1, 31)
    ]
    model = LivePanelModel(clock=lambda: NOW)
    model.apply(ChangeBatch(rows, [], 1, full=True))
    summary = model.summary
    assert (summary.floor.count(Status.BUSY), summary.shown.count(Status.BUSY)) == (10, 10)
    model.set_filter(PanelFilter(statuses=frozenset({Status.AVAILABLE})))
    assert summary.shown.count(Status.BUSY) == 0
    assert summary.shown.count(Status.AVAILABLE) == 20 == model.shown_count
    assert summary.floor.count(Status.BUSY) == 10
    model.apply(ChangeBatch([make_row(3, version=2, status=Status.AVAILABLE)], [], 2))
    assert summary.shown.count(Status.AVAILABLE) == 21
    assert summary.floor.count(Status.BUSY) == 9
    _assert_equal(model)


def test_stuck_counts_follow_the_tracker_the_rule_and_long_calls() -> None:
    now = [NOW]
    model = LivePanelModel(clock=lambda: now[0])
    call = LiveCall(9, "inbound", "+15550000000", NOW - timedelta(minutes=29))
    rows = [
        make_row(1, status=Status.UNAVAILABLE),  # stuck: no call
        make_row(2, status=Status.BUSY, live_call=call),  # stuck in a minute and a half
        make_row(3, status=Status.BUSY),  # stuck: no call
        make_row(4),
    ]
    model.apply(ChangeBatch(rows, [], 1, full=True))
    model.set_filter(PanelFilter(stuck_only=True))
    assert (model.summary.floor.stuck, model.summary.shown.stuck) == (2, 2)
    changed_signals: list[int] = []
    model.summary_changed.connect(lambda: changed_signals.append(1))
    now[0] = NOW + timedelta(minutes=2)
    model.tick()  # the long call turns stuck by time alone
    assert changed_signals
    assert (model.summary.floor.stuck, model.summary.shown.stuck) == (3, 3)
    assert model.summary.shown.count(Status.BUSY) == 2
    _assert_equal(model)
    model.set_stuck_rule(StuckRule(statuses=frozenset({Status.UNAVAILABLE})))
    assert model.summary.floor.stuck == 2  # row 3 (Busy, no call) is no longer stuck
    _assert_equal(model)


def test_per_desk_split() -> None:
    call = LiveCall(9, "inbound", "+15550000000", NOW - timedelta(minutes=1))
    rows = [
        make_row(1, desks=("Sales",), status=Status.BUSY, live_call=call),
        make_row(2, desks=("Sales", "Support"), status=Status.BUSY, live_call=call),
        make_row(3, desks=("Support",), status=Status.UNAVAILABLE),
        make_row(4, desks=(), status=Status.BUSY, live_call=call),
    ]
    model = LivePanelModel(clock=lambda: NOW)
    model.apply(ChangeBatch(rows, [], 1, full=True))
    floor = model.summary.floor
    assert floor.by_desk(Status.BUSY) == [("Sales", 2), ("Support", 1)]
    assert floor.by_desk(None) == [("Support", 1)]  # stuck: row 3 (Unavailable, no call)
    model.apply(
        ChangeBatch(
            [make_row(2, version=2, desks=("Billing",), status=Status.BUSY, live_call=call)], [], 2
        )
    )
    assert floor.by_desk(Status.BUSY) == [("Billing", 1), ("Sales", 1)]
    model.set_filter(PanelFilter(desk="Sales"))
    assert model.summary.shown.by_desk(Status.BUSY) == [("Sales", 1)]
    _assert_equal(model)


def test_an_unchanged_entry_costs_nothing_and_stale_rows_are_ignored() -> None:
    model = LivePanelModel(clock=lambda: NOW)
    model.apply(ChangeBatch([make_row(1, version=3, status=Status.BREAK)], [], 1, full=True))
    before = model.summary.floor.as_dict()
    model.apply(ChangeBatch([make_row(1, version=2, status=Status.BUSY)], [], 2))  # stale
    model.apply(ChangeBatch([make_row(1, version=4, status=Status.BREAK)], [], 3))  # same counts
    assert model.summary.floor.as_dict() == before
