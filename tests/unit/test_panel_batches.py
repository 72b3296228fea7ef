"""After any sequence of batches the model holds exactly the newest version of every row."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPersistentModelIndex, Qt

from supervisor_console.api.types import ChangeBatch, Status, UserRow
from supervisor_console.dev.samples import EPOCH, changed, random_row
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.panel.columns import SORT_KEYS, Column
from supervisor_console.panel.filters import PanelFilter

NOW = EPOCH + timedelta(minutes=45)
FILTERS = [
    PanelFilter(),
    PanelFilter(statuses=frozenset({Status.BUSY, Status.UNAVAILABLE, Status.BREAK})),
    PanelFilter(stuck_only=True),
    PanelFilter(search="ada"),
]

step = st.tuples(
    st.lists(st.integers(1, 40), max_size=12),  # ids to change (unknown ids are added)
    st.lists(st.integers(1, 40), max_size=3),  # ids to delete
    st.booleans(),  # resend a stale copy too
)


def _expected_order(model: LivePanelModel, rows: dict[int, UserRow], column: Column) -> list[int]:
    shown = [
        r
        for r in rows.values()
        if model.panel_filter.matches(r, model.stuck_reason(r.id) is not None)
    ]
    ordered = sorted(shown, key=lambda r: (SORT_KEYS[column](r), r.id))
    return [r.id for r in ordered]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10**6),
    steps=st.lists(step, min_size=1, max_size=8),
    column=st.sampled_from(list(Column)),
    descending=st.booleans(),
    filter_index=st.integers(0, len(FILTERS) - 1),
)
def test_random_batches_converge(
    qapp: Any, seed: int, steps: list[Any], column: Column, descending: bool, filter_index: int
) -> None:
    rng = random.Random(seed)
    model = LivePanelModel(clock=lambda: NOW)
    expected = {i: random_row(i, rng) for i in range(1, 21)}
    model.apply(ChangeBatch(list(expected.values()), [], 1, full=True))
    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    model.sort(column, order)
    model.set_filter(FILTERS[filter_index])
    for cursor, (change_ids, delete_ids, resend) in enumerate(steps, start=2):
        _apply_step(model, expected, rng, change_ids, delete_ids, resend, cursor)
        assert model.all_rows() == expected
        ids = [model.row_at(r).id for r in range(model.rowCount())]
        want = _expected_order(model, expected, column)
        assert ids == (want[::-1] if descending else want)


def _apply_step(
    model: LivePanelModel,
    expected: dict[int, UserRow],
    rng: random.Random,
    change_ids: list[int],
    delete_ids: list[int],
    resend: bool,
    cursor: int,
) -> None:
    batch_rows: list[UserRow] = []
    for user_id in change_ids:
        old = expected.get(user_id)
        new = random_row(user_id, rng) if old is None else changed(old, rng)
        if old is not None and resend:
            batch_rows.append(old)
        batch_rows.append(new)
        expected[user_id] = new
    deleted = [i for i in delete_ids if i not in change_ids]
    for user_id in deleted:
        expected.pop(user_id, None)
    model.apply(ChangeBatch(batch_rows, deleted, cursor))


@pytest.mark.parametrize("descending", [False, True])
def test_persistent_indexes_follow_rows_through_batches(qapp: Any, descending: bool) -> None:
    rng = random.Random(11)
    model = LivePanelModel(clock=lambda: NOW)
    rows = {i: random_row(i, rng) for i in range(1, 200)}
    model.apply(ChangeBatch(list(rows.values()), [], 1, full=True))
    model.sort(
        Column.STATUS, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    )
    watched = {
        model.row_at(r).id: QPersistentModelIndex(model.index(r, 2)) for r in range(0, 199, 7)
    }
    for cursor in range(2, 12):
        batch = [changed(rows[i], rng) for i in rng.sample(sorted(rows), 30)]
        rows.update({r.id: r for r in batch})
        model.apply(ChangeBatch(batch, [], cursor))
        for user_id, index in watched.items():
            assert index.isValid()
            assert index.column() == 2
            assert model.row_at(index.row()).id == user_id
