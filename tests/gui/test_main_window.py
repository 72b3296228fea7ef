"""The main window: persistence, stale banner, stuck key, details on Enter, column menu."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from supervisor_console.api.types import ChangeBatch, ConnectionState, FeedStatus, Status
from supervisor_console.dev.samples import make_row
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.panel.columns import Column
from supervisor_console.panel.filters import PanelFilter
from supervisor_console.views.main_window import MainWindow
from supervisor_console.views.stuck_rule import load_rule


def test_columns_sort_and_filters_persist(
    qtbot: Any, window: MainWindow, console_settings: QSettings
) -> None:
    header = window.panel.horizontalHeader()
    header.setSectionHidden(Column.PHONE, True)
    header.resizeSection(Column.NAME, 222)
    header.moveSection(header.visualIndex(Column.STATUS), 0)
    window.panel.sortByColumn(Column.STATUS, Qt.SortOrder.DescendingOrder)
    window.filter_bar.set_filter(PanelFilter(search="ada", desk="Sales", stuck_only=True))
    window.close()

    again = MainWindow(LivePanelModel(), console_settings)
    qtbot.addWidget(again)
    header = again.panel.horizontalHeader()
    assert header.isSectionHidden(Column.PHONE)
    assert header.sectionSize(Column.NAME) == 222
    assert header.visualIndex(Column.STATUS) == 0
    assert again.model.sort_state == (Column.STATUS, Qt.SortOrder.DescendingOrder)
    assert again.model.panel_filter == PanelFilter(search="ada", desk="Sales", stuck_only=True)
    assert again.filter_bar.current_filter() == again.model.panel_filter
    again.close()


def test_stale_banner_follows_feed_status(window: MainWindow) -> None:
    banner = window.connection.banner
    assert not banner.isVisible()
    last_ok = datetime(2026, 11, 23, 9, 15, 2, tzinfo=UTC)
    window.set_feed_status(FeedStatus(ConnectionState.CONNECTED, last_ok=last_ok))
    assert not banner.isVisible()
    window.set_feed_status(FeedStatus(ConnectionState.RECONNECTING, retry_in=4, last_ok=last_ok))
    assert banner.isVisible()
    assert f"stale since {last_ok.astimezone():%H:%M:%S}" in banner.text()
    assert window.connection.state_label.text().startswith("Reconnecting in ")
    window.set_feed_status(FeedStatus(ConnectionState.UNREACHABLE, retry_in=8, last_ok=last_ok))
    assert "cannot be reached" in banner.text()
    window.set_feed_status(FeedStatus(ConnectionState.CONNECTED, last_ok=datetime.now(UTC)))
    assert not banner.isVisible()
    assert window.connection.age_label.text().startswith("updated ")


def test_stuck_key_toggles_stuck_only(qtbot: Any, window: MainWindow) -> None:
    window.apply_batch(ChangeBatch([make_row(5, version=2, status=Status.UNAVAILABLE)], [], 2))
    window.panel.setFocus()
    assert "F4" in window.filter_bar.stuck_action.text()
    QTest.keyClick(window.panel, Qt.Key.Key_F4)
    assert window.model.panel_filter.stuck_only
    assert window.model.rowCount() == 1
    assert window.filter_bar.count_label.text() == "1 of 30 users"
    QTest.keyClick(window.panel, Qt.Key.Key_F4)
    assert window.model.rowCount() == 30


def test_enter_opens_user_details(qtbot: Any, window: MainWindow) -> None:
    window.panel.setFocus()
    window.panel.setCurrentIndex(window.model.index(3, 0))
    row = window.panel.current_user()
    assert row is not None
    QTest.keyClick(window.panel, Qt.Key.Key_Return)
    assert window.detail.isVisible()
    assert window.detail.user_id == row.id
    assert window.detail.field_text("Username") == row.username
    assert window.detail.notes["sessions"].text() == "Not connected."


def test_detail_follows_live_changes(window: MainWindow) -> None:
    window.open_detail(window.model.user(7))  # type: ignore[arg-type]
    window.apply_batch(ChangeBatch([make_row(7, version=2, status=Status.BREAK)], [], 2))
    assert (window.detail.field_text("Status") or "").startswith("Break since")


def test_column_menu_is_data(window: MainWindow) -> None:
    entries = {entry.label: entry for entry in window.panel.column_menu_entries()}
    assert entries["Email"].checked is False
    assert entries["Name"].checked is True
    entries["Email"].callback()
    assert not window.panel.horizontalHeader().isSectionHidden(Column.EMAIL)
    entries["Reset columns"].callback()
    assert window.panel.horizontalHeader().isSectionHidden(Column.EMAIL)


def test_search_box_filters_after_debounce(qtbot: Any, window: MainWindow) -> None:
    qtbot.keyClicks(window.filter_bar.search, "1007")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=2000)
    assert window.model.row_at(0).id == 7


def test_rows_are_compact_and_never_measured(window: MainWindow) -> None:
    rows = window.panel.verticalHeader()
    assert rows.sectionResizeMode(0) == rows.ResizeMode.Fixed
    assert rows.defaultSectionSize() <= window.panel.fontMetrics().height() + 8


def test_the_stuck_rule_is_the_supervisors_and_is_kept(
    qtbot: Any, window: MainWindow, console_settings: QSettings
) -> None:
    window.apply_batch(ChangeBatch([make_row(5, version=2, status=Status.UNAVAILABLE)], [], 2))
    window.filter_bar.stuck_action.trigger()
    assert window.model.rowCount() == 1
    dialog = window.edit_stuck_rule()
    assert dialog.minutes.value() == 30
    assert dialog.focusWidget() is dialog.minutes
    dialog.minutes.setValue(45)
    dialog.checks[Status.UNAVAILABLE].setChecked(False)  # Unavailable no longer counts
    dialog.accept()
    assert window.model.rowCount() == 0
    assert window.statusBar().currentMessage() == (
        "Stuck dialers now: a call longer than 45 min; Busy without a live call."
    )
    restored = load_rule(console_settings)
    assert (restored.limit.total_seconds(), restored.statuses) == (
        45 * 60.0,
        frozenset({Status.BUSY}),
    )
    again = MainWindow(LivePanelModel(), console_settings)  # a restart keeps it
    qtbot.addWidget(again)
    assert again.model.stuck_rule == restored
