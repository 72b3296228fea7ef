"""LivePanelModel: model-tester conformance, sorting and filtering inside the model."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt

from supervisor_console.api.types import ChangeBatch, Limit, LiveCall, Status, Thresholds
from supervisor_console.dev.samples import EPOCH, changed, make_row, random_row
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.panel.columns import Column
from supervisor_console.panel.filters import PanelFilter, StuckRule
from supervisor_console.panel.limits import Level

ROW = LivePanelModel.RowRole


@pytest.fixture(autouse=True)
def _gui_app(qapp: Any) -> None:
    """Icons are pixmaps, and pixmaps need a QGuiApplication."""


def _model(rows: int = 20, seed: int = 1) -> LivePanelModel:
    rng = random.Random(seed)
    model = LivePanelModel(clock=lambda: EPOCH + timedelta(minutes=5))
    model.apply(ChangeBatch([random_row(i, rng) for i in range(1, rows + 1)], [], 1, full=True))
    return model


def _shown_ids(model: LivePanelModel) -> list[int]:
    return [model.index(r, 0).data(ROW).id for r in range(model.rowCount())]


def test_model_tester_default(qtmodeltester: Any) -> None:
    qtmodeltester.check(_model())


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_model_tester_sorted_and_filtered(qtmodeltester: Any, order: Qt.SortOrder) -> None:
    model = _model(40)
    model.sort(Column.STATUS, order)
    model.set_filter(PanelFilter(statuses=frozenset({Status.BUSY, Status.AVAILABLE})))
    qtmodeltester.check(model)
    rng = random.Random(5)
    rows = [changed(model.user(i), rng) for i in range(1, 41, 3)]  # type: ignore[arg-type]
    model.apply(ChangeBatch(rows, [2, 7], 2))
    qtmodeltester.check(model)


def test_sort_orders_rows_by_key_then_id() -> None:
    model = _model(50)
    for column in Column:
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort(column, order)
            keys = [
                (model.index(r, column).data(LivePanelModel.SortRole), _shown_ids(model)[r])
                for r in range(model.rowCount())
            ]
            assert keys == sorted(keys, reverse=order == Qt.SortOrder.DescendingOrder)


def test_stale_versions_are_ignored() -> None:
    model = LivePanelModel()
    model.apply(ChangeBatch([make_row(1, version=5, status=Status.BREAK)], [], 1, full=True))
    model.apply(ChangeBatch([make_row(1, version=5, status=Status.DND)], [], 2))
    model.apply(ChangeBatch([make_row(1, version=4, status=Status.MEETING)], [], 3))
    assert model.user(1).status is Status.BREAK  # type: ignore[union-attr]
    model.apply(ChangeBatch([make_row(1, version=6, status=Status.DND)], [], 4))
    assert model.user(1).status is Status.DND  # type: ignore[union-attr]


def test_incremental_batch_never_resets(qtbot: Any) -> None:
    model = _model(30)
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    changes: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, _r=None: changes.append((a.row(), b.row())))
    rng = random.Random(3)
    model.apply(ChangeBatch([changed(model.user(i), rng) for i in (3, 4, 5)], [], 2))  # type: ignore[arg-type]
    assert resets == []
    assert changes


def test_selection_follows_a_moving_row(qtbot: Any) -> None:
    model = LivePanelModel()
    model.apply(ChangeBatch([make_row(i) for i in range(1, 11)], [], 1, full=True))
    model.sort(Column.STATUS)
    selection = QItemSelectionModel(model)
    target = model.display_row_of(4)
    assert target is not None
    selection.select(model.index(target, 0), QItemSelectionModel.SelectionFlag.Select)
    persistent = QPersistentModelIndex(model.index(target, 0))
    model.apply(ChangeBatch([make_row(4, version=2, status=Status.OFFLINE)], [], 2))
    assert model.display_row_of(4) == 9
    assert persistent.row() == 9
    assert [i.row() for i in selection.selectedIndexes()] == [9]


def test_deleted_and_added_rows(qtbot: Any) -> None:
    model = _model(10)
    model.sort(Column.NAME, Qt.SortOrder.DescendingOrder)
    counts: list[tuple[int, int]] = []
    model.counts_changed.connect(lambda shown, total: counts.append((shown, total)))
    model.apply(ChangeBatch([make_row(99)], [1, 2, 404], 2))
    assert sorted(model.all_rows()) == [*range(3, 11), 99]
    assert counts[-1] == (9, 9)
    assert model.index(0, 0).parent() == QModelIndex()


def test_stuck_rows_are_marked_and_filterable() -> None:
    now = EPOCH + timedelta(minutes=10)
    clock = [now]
    model = LivePanelModel(clock=lambda: clock[0], stuck_rule=StuckRule(timedelta(minutes=30)))
    call = LiveCall(7, "inbound", "+1555", now - timedelta(minutes=29))
    rows = [
        make_row(1, status=Status.BUSY),  # no live call: stuck
        make_row(2, status=Status.UNAVAILABLE),  # stuck
        make_row(3, status=Status.BUSY, live_call=call),  # stuck in a minute
        make_row(4, status=Status.AVAILABLE),
    ]
    model.apply(ChangeBatch(rows, [], 1, full=True))
    model.set_filter(PanelFilter(stuck_only=True))
    assert sorted(_shown_ids(model)) == [1, 2]
    assert model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "no live call" in (model.stuck_reason(1) or "")
    clock[0] = now + timedelta(minutes=2)
    model.tick()
    assert sorted(_shown_ids(model)) == [1, 2, 3]
    assert "longer than 30 min" in (model.stuck_reason(3) or "")
    model.apply(ChangeBatch([make_row(1, version=2, status=Status.AVAILABLE)], [], 2))
    assert sorted(_shown_ids(model)) == [2, 3]
    # A rule of the supervisor's own: Unavailable no longer counts, calls after 45 min.
    model.set_stuck_rule(StuckRule(timedelta(minutes=45), frozenset({Status.BUSY})))
    assert sorted(_shown_ids(model)) == []
    assert model.stuck_reason(2) is None
    clock[0] = now + timedelta(minutes=17)
    model.tick()
    assert sorted(_shown_ids(model)) == [3]
    assert "longer than 45 min" in (model.stuck_reason(3) or "")


def test_filters_and_counts() -> None:
    rows = [
        make_row(1, first_name="Zed", desks=("Sales",), tags=("night",)),
        make_row(2, extension="4242", role="admin", skills=("vip",)),
        make_row(3, phone_number="+4912345", active=False),
        make_row(4, email="boss@corp.example", status=Status.BREAK),
    ]
    model = LivePanelModel()
    model.apply(ChangeBatch(rows, [], 1, full=True))
    counts: list[tuple[int, int]] = []
    model.counts_changed.connect(lambda shown, total: counts.append((shown, total)))
    cases = {
        PanelFilter(search="zed"): [1],
        PanelFilter(search="4242"): [2],
        PanelFilter(search="+49123"): [3],
        PanelFilter(search="corp.example"): [4],
        PanelFilter(desk="Sales"): [r.id for r in rows if "Sales" in r.desks],
        PanelFilter(role="admin"): [2],
        PanelFilter(skill="vip"): [2],
        PanelFilter(tag="night"): [1],
        PanelFilter(active=False): [3],
        PanelFilter(statuses=frozenset({Status.BREAK})): [4],
        PanelFilter(): [1, 2, 3, 4],
    }
    for panel_filter, expected in cases.items():
        model.set_filter(panel_filter)
        assert sorted(_shown_ids(model)) == sorted(expected), panel_filter
        assert counts[-1] == (len(expected), 4)


def test_filter_round_trips_through_dict() -> None:
    panel_filter = PanelFilter(
        "ada", frozenset({Status.BUSY}), "Sales", "agent", "vip", "x", False, True
    )
    assert PanelFilter.from_dict(panel_filter.to_dict()) == panel_filter
    assert PanelFilter.from_dict({"statuses": ["nonsense"], "active": 3}) == PanelFilter()


def test_tick_repaints_only_ticking_columns(qtbot: Any) -> None:
    model = _model(5)
    seen: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, _r=None: seen.append((a.row(), a.column(), b.row(), b.column()))
    )
    model.tick()
    assert seen == [
        (0, Column.TIME_IN_STATUS, 4, Column.TIME_IN_STATUS),
        (0, Column.LIVE_CALL, 4, Column.LIVE_CALL),
    ]


def test_data_roles_are_cheap_plain_values() -> None:
    model = LivePanelModel(clock=lambda: EPOCH + timedelta(seconds=65))
    call = LiveCall(1, "outbound", "+15550100", EPOCH)
    model.apply(ChangeBatch([make_row(1, status=Status.BUSY, live_call=call)], [], 1, full=True))
    assert model.index(0, Column.TIME_IN_STATUS).data() == "1:05"
    assert model.index(0, Column.LIVE_CALL).data() == "↑ +15550100  1:05"
    assert model.index(0, Column.STATUS).data() == "Busy"
    assert model.index(0, Column.STATUS).data(Qt.ItemDataRole.DecorationRole) is not None
    before = model.user(1)
    assert before is not None
    row = dataclasses.replace(before, version=2, status=Status.OTHER, status_text="Lunch")
    model.apply(ChangeBatch([row], [], 2))
    assert model.index(0, Column.STATUS).data() == "Other: Lunch"


def test_rows_escalate_over_their_time_limits_and_alert_once() -> None:
    """Issue 15, item 2: warn, then alert, by time alone (the tick), an Exceptions filter,
    and one alert signal per crossing; a new status starts afresh."""
    now = EPOCH
    clock = [now]
    model = LivePanelModel(clock=lambda: clock[0])
    rows = [
        make_row(1, status=Status.BREAK, status_since=now),
        make_row(2, status=Status.DND, status_since=now),
        make_row(3, status=Status.AVAILABLE, status_since=now),
    ]
    model.apply(ChangeBatch(rows, [], 1, full=True))
    model.set_thresholds(Thresholds(1, {"break": Limit(600, 900), "dnd": Limit(60, 1200)}))
    alerts: list[list[Any]] = []
    model.limits_alerted.connect(alerts.append)
    model.set_filter(PanelFilter(exceptions_only=True))
    assert _shown_ids(model) == []
    clock[0] = now + timedelta(minutes=2)
    model.tick()
    assert _shown_ids(model) == [2]  # DND over its warning
    assert model.limit_judgement(2).level is Level.WARN
    clock[0] = now + timedelta(minutes=16)
    model.tick()
    assert sorted(_shown_ids(model)) == [1, 2]
    assert [[row.id for row, _j in batch] for batch in alerts] == [[1]]
    assert model.limit_counts() == {Level.WARN: 1, Level.ALERT: 1}
    index = model.index(_shown_ids(model).index(1), int(Column.TIME_IN_STATUS))
    assert index.data(Qt.ItemDataRole.DecorationRole) is not None  # a mark, not colour alone
    assert "over the alert limit" in index.data(Qt.ItemDataRole.ToolTipRole)
    model.apply(
        ChangeBatch([make_row(1, version=2, status=Status.AVAILABLE, status_since=clock[0])], [], 2)
    )
    assert _shown_ids(model) == [2]
    model.tick()
    assert len(alerts) == 1  # nothing new
