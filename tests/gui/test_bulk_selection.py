"""Selection of users in the panel: keyboard, and it follows users through live changes."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.modeltest import ModelTester

from supervisor_console.api.types import ChangeBatch, Status, UserRow
from supervisor_console.controllers import selection as sel
from supervisor_console.dev.samples import make_row
from supervisor_console.panel.columns import Column
from supervisor_console.panel.filters import PanelFilter
from supervisor_console.views.main_window import MainWindow

SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def user(window: MainWindow, user_id: int) -> UserRow:
    row = window.model.user(user_id)
    assert row is not None
    return row


def install(window: MainWindow) -> sel.UserSelectionModel:
    selection = sel.install(window.panel, window.model)
    window.panel.setFocus()
    window.panel.setCurrentIndex(window.model.index(0, 0))
    return selection


def selected_ids(selection: sel.UserSelectionModel) -> list[int]:
    return [row.id for row in selection.selected_rows()]


def shown_ids(window: MainWindow) -> list[int]:
    return [row.id for row in window.model.shown_rows()]


def key(
    window: MainWindow, k: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    QTest.keyClick(window.panel, k, mods)


def click_row(window: MainWindow, row: int) -> None:
    rect = window.panel.visualRect(window.model.index(row, 0))
    QTest.mouseClick(
        window.panel.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
        rect.center(),
    )  # fmt: skip


def test_keyboard_selection(qtbot: Any, window: MainWindow) -> None:
    selection = install(window)
    order = shown_ids(window)
    key(window, Qt.Key.Key_Down, SHIFT)
    key(window, Qt.Key.Key_Down, SHIFT)
    assert selected_ids(selection) == order[:3]
    key(window, Qt.Key.Key_Down, CTRL)  # move without selecting
    key(window, Qt.Key.Key_Down, CTRL)
    key(window, Qt.Key.Key_Space, CTRL)  # toggle row 4 in
    assert selected_ids(selection) == [*order[:3], order[4]]
    key(window, Qt.Key.Key_Space, CTRL)  # and out again
    assert selected_ids(selection) == order[:3]
    key(window, Qt.Key.Key_PageDown, SHIFT)
    assert len(selected_ids(selection)) > 5
    key(window, Qt.Key.Key_A, CTRL)
    assert selected_ids(selection) == order
    selection.invert()
    assert selected_ids(selection) == []
    selection.setCurrentIndex(window.model.index(2, 0), sel.Flag.NoUpdate)
    selection.toggle_current()
    selection.invert()
    assert selected_ids(selection) == order[:2] + order[3:]
    assert sel.count_text(selection.shown_count(), 0) == "29 selected"


def test_selection_follows_users_through_a_resorting_batch(qtbot: Any, window: MainWindow) -> None:
    ModelTester(None).check(window.model)
    selection = install(window)
    picked = shown_ids(window)[3:7]
    selection.select_ids(picked)
    window.panel.sortByColumn(Column.STATUS, Qt.SortOrder.AscendingOrder)
    moved = [
        dataclasses.replace(user(window, i), version=5, first_name="Zed", status=Status.BREAK)
        for i in (*picked[:2], 1, 2, 20)
    ]
    window.apply_batch(ChangeBatch(moved, [], 9))
    window.panel.sortByColumn(Column.NAME, Qt.SortOrder.DescendingOrder)
    assert sorted(selected_ids(selection)) == sorted(picked)
    assert selection.ids == set(picked)


def test_selection_survives_filters_and_a_full_resync(qtbot: Any, window: MainWindow) -> None:
    selection = install(window)
    counts: list[tuple[int, int]] = []
    selection.count_changed.connect(lambda shown, hidden: counts.append((shown, hidden)))
    sales = [r.id for r in window.model.shown_rows() if "Sales" in r.desks]
    others = [r.id for r in window.model.shown_rows() if "Sales" not in r.desks][:3]
    selection.select_ids(sales[:2] + others)
    window.model.set_filter(PanelFilter(desk="Sales"))  # small change: rows removed
    assert sorted(selected_ids(selection)) == sorted(sales[:2])
    assert counts[-1] == (2, 3)
    assert "hidden by the filters" in sel.count_text(*counts[-1])
    window.model.set_filter(PanelFilter())  # the hidden ones come back selected
    assert sorted(selected_ids(selection)) == sorted(sales[:2] + others)
    rows = [window.model.user(i) for i in range(1, 31)]
    window.apply_batch(ChangeBatch([r for r in rows if r is not None], [], 10, full=True))
    assert sorted(selected_ids(selection)) == sorted(sales[:2] + others)
    window.model.set_filter(PanelFilter(desk="Sales"))
    first = shown_ids(window)[0]
    click_row(window, 0)  # a plain click: only that user, hidden ones forgotten
    window.model.set_filter(PanelFilter())
    assert selection.ids == {first}
    assert selected_ids(selection) == [first]


def test_selection_survives_a_filter_change_that_resets(qtbot: Any, window: MainWindow) -> None:
    rows = [make_row(i, status=Status.BUSY if i % 2 else Status.AVAILABLE) for i in range(1, 2001)]
    window.apply_batch(ChangeBatch(rows, [], 20, full=True))
    selection = install(window)
    busy = [i for i in shown_ids(window) if i % 2][:50]
    selection.select_ids([*busy, 2, 4])
    window.model.set_filter(PanelFilter(statuses=frozenset({Status.BUSY})))  # >300 runs: reset
    assert sorted(selected_ids(selection)) == sorted(busy)
    assert selection.hidden_count() == 2
    window.model.set_filter(PanelFilter())
    assert sorted(selected_ids(selection)) == sorted([*busy, 2, 4])
