"""The summary bar (issue 15): counts per status, a click or Alt+N filters, the scope
toggle, View ▸ Summary bar, and a 1024 px window where no box is cut."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from supervisor_console.actions.catalogue import CATALOGUE
from supervisor_console.api.types import ChangeBatch, Limit, Status, Thresholds
from supervisor_console.dev.samples import make_row, random_row
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.panel.filters import PanelFilter
from supervisor_console.views.main_window import MainWindow
from supervisor_console.views.summary_bar import BOXES, KEYS, StatusBox


def _box(window: MainWindow, status: Status | None) -> StatusBox:
    return window.summary_bar.boxes[status]


def _floor(window: MainWindow) -> None:
    """30 users: 20 Available, 5 Busy (no call: stuck), 3 on Other (two texts), 2 on Break."""
    rows = [make_row(i) for i in range(1, 21)]
    rows += [make_row(i, status=Status.BUSY) for i in range(21, 26)]
    texts = ["Training", "training ", "Lunch"]
    rows += [make_row(26 + i, status=Status.OTHER, status_text=t) for i, t in enumerate(texts)]
    rows += [make_row(i, status=Status.BREAK) for i in (29, 30)]
    window.apply_batch(ChangeBatch(rows, [], 1, full=True))


def test_boxes_show_counts_with_icon_label_and_accessible_name(window: MainWindow) -> None:
    _floor(window)
    bar = window.summary_bar
    assert [box.status for box in bar.boxes.values()] == list(BOXES)
    assert bar.counts() == {
        "Available": 20, "Busy": 5, "Unavailable": 0, "Break": 2, "Do Not Disturb": 0,
        "Meeting": 0, "Other": 3, "Offline": 0, "Stuck": 5,
    }  # fmt: skip
    busy = _box(window, Status.BUSY)
    assert busy.text() == "Busy\n5"
    assert not busy.icon().isNull()
    assert busy.accessibleName() == "Busy: 5 agents"
    assert "Alt+2" in busy.toolTip()
    assert "Per desk:" in busy.toolTip()
    assert bar.other_texts.full_text == "Training 2 · Lunch 1"
    assert bar.scope.currentText() == "Shown"


def test_counts_follow_every_batch(window: MainWindow) -> None:
    _floor(window)
    window.apply_batch(ChangeBatch([make_row(1, version=2, status=Status.BUSY)], [], 2))
    assert _box(window, Status.BUSY).text() == "Busy\n6"
    assert _box(window, Status.AVAILABLE).accessibleName() == "Available: 19 agents"
    window.apply_batch(ChangeBatch([], [26, 27], 3))
    assert window.summary_bar.other_texts.full_text == "Lunch 1"


def test_click_a_box_filters_and_again_clears(qtbot: Any, window: MainWindow) -> None:
    _floor(window)
    busy = _box(window, Status.BUSY)
    qtbot.mouseClick(busy, Qt.MouseButton.LeftButton)
    assert window.model.panel_filter.statuses == {Status.BUSY}
    assert window.model.shown_count == 5
    assert busy.isChecked()
    assert window.filter_bar.status.currentText() == "Busy"
    # Shown by filters: the other statuses count zero now, Busy its five.
    assert window.summary_bar.counts()["Available"] == 0
    assert window.summary_bar.counts()["Busy"] == 5
    qtbot.mouseClick(busy, Qt.MouseButton.LeftButton)
    assert window.model.panel_filter.statuses == frozenset()
    assert not busy.isChecked()
    assert window.model.shown_count == 30


def test_a_click_keeps_the_other_filters(qtbot: Any, window: MainWindow) -> None:
    _floor(window)
    window.filter_bar.set_filter(PanelFilter(desk="Sales"))
    qtbot.mouseClick(_box(window, Status.AVAILABLE), Qt.MouseButton.LeftButton)
    assert window.model.panel_filter == PanelFilter(
        desk="Sales", statuses=frozenset({Status.AVAILABLE})
    )


def test_the_keys_filter_and_the_stuck_box_toggles_stuck_only(window: MainWindow) -> None:
    _floor(window)
    window.panel.setFocus()
    QTest.keyClick(window.panel, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # Busy
    assert window.model.panel_filter.statuses == {Status.BUSY}
    QTest.keyClick(window.panel, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)  # Break
    assert window.model.panel_filter.statuses == {Status.BREAK}
    assert window.model.shown_count == 2
    QTest.keyClick(window.panel, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    assert window.model.panel_filter.statuses == frozenset()
    QTest.keyClick(window.panel, Qt.Key.Key_9, Qt.KeyboardModifier.AltModifier)  # Stuck
    assert window.model.panel_filter.stuck_only
    assert window.filter_bar.stuck_action.isChecked()
    assert _box(window, None).isChecked()
    assert window.model.shown_count == 5
    QTest.keyClick(window.panel, Qt.Key.Key_F4)  # F4 and the box agree
    assert not _box(window, None).isChecked()


def test_keys_are_alt_digits_and_clash_with_no_other_shortcut(window: MainWindow) -> None:
    assert tuple(f"Alt+{i}" for i in range(1, 10)) == KEYS
    ours = {action.shortcut().toString() for action in window.summary_bar.key_actions}
    others = {
        action.shortcut().toString()
        for action in window.findChildren(type(window.summary_bar.toggle_action))
        if action not in window.summary_bar.key_actions and not action.shortcut().isEmpty()
    }
    units = {QKeySequence(unit.shortcut).toString() for unit in CATALOGUE}  # R, L, Ctrl+D...
    assert ours == set(KEYS)
    assert not ours & (others | units)


def test_scope_whole_floor_or_shown(window: MainWindow, console_settings: QSettings) -> None:
    _floor(window)
    window.filter_bar.set_filter(PanelFilter(statuses=frozenset({Status.BREAK})))
    bar = window.summary_bar
    assert bar.counts()["Available"] == 0
    bar.scope.setCurrentIndex(bar.scope.findText("Floor"))
    assert bar.whole_floor
    assert bar.counts()["Available"] == 20
    assert "(whole floor)" in _box(window, Status.AVAILABLE).toolTip()
    window.close()
    assert console_settings.value("summary/scope") == "floor"


def test_view_menu_hides_the_bar_and_it_is_kept(
    qtbot: Any, window: MainWindow, console_settings: QSettings
) -> None:
    bar = window.summary_bar
    assert bar.isVisible()
    assert bar.toggle_action.isChecked()
    bar.toggle_action.trigger()
    assert not bar.isVisible()
    window.close()
    again = MainWindow(LivePanelModel(), console_settings)
    qtbot.addWidget(again)
    with qtbot.waitActive(again):
        again.show()
        again.activateWindow()
    assert not again.summary_bar.isVisible()
    assert not again.summary_bar.toggle_action.isChecked()
    # The keys still work while the bar is hidden.
    again.apply_batch(ChangeBatch([make_row(1, status=Status.BUSY)], [], 1, full=True))
    again.panel.setFocus()
    QTest.keyClick(again.panel, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert again.model.panel_filter.statuses == {Status.BUSY}
    again.close()


def test_fits_1024_px_at_50000_agents(qtbot: Any, window: MainWindow) -> None:
    """Five-digit counts in every box and long Other texts: the boxes keep their whole
    text within the bar; only the Other texts may be elided."""
    rng = random.Random(7)
    texts = ["Training for the new campaign", "Lunch", "Coaching with the team lead", "IT"]
    rows = [random_row(i, rng) for i in range(1, 50_001)]
    rows = [
        dataclasses.replace(r, status_text=rng.choice(texts)) if r.status is Status.OTHER else r
        for r in rows
    ]
    window.apply_batch(ChangeBatch(rows, [], 1, full=True))
    bar = window.summary_bar
    bar.scope.setCurrentIndex(bar.scope.findText("Floor"))
    bar.setFixedWidth(1024)  # the bar as it is in a 1024 px window
    bar.adjustSize()
    layout = bar.layout()
    assert layout is not None
    layout.activate()
    assert bar.minimumSizeHint().width() <= 1024
    for box in bar.boxes.values():
        assert box.count >= 1000
        assert box.width() >= box.sizeHint().width(), box.text()
        assert box.geometry().right() <= bar.contentsRect().right(), box.text()
        lines = box.text().split("\n")
        metrics = box.fontMetrics()
        assert box.width() > max(metrics.horizontalAdvance(line) for line in lines) + 16
    other = bar.other_texts
    assert other.isVisibleTo(bar)
    assert other.width() >= other.minimumSizeHint().width()
    assert other.is_elided()  # the long texts give way first
    assert other.text().endswith("…")


def test_the_bar_counts_the_rows_over_a_limit_and_shows_them(window: MainWindow) -> None:
    """Issue 15: the summary bar counts the exceptions; a click shows only them (as F6)."""
    since = datetime.now(UTC) - timedelta(minutes=30)
    rows = [make_row(900 + i, status=Status.BREAK, status_since=since) for i in range(3)]
    window.apply_batch(ChangeBatch(rows, [], 50))
    window.model.set_thresholds(Thresholds(2, {"break": Limit(600, 1200)}))
    bar = window.summary_bar
    assert bar.over.text() == "Over\n3"
    assert bar.over.accessibleName() == "Over a time limit: 3 agents (3 alerting)"
    bar.over.click()
    assert window.model.panel_filter.exceptions_only
    assert window.model.rowCount() == 3
    assert bar.over.isChecked()
