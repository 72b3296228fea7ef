"""The table that shows the live panel: compact rows, movable columns, a column menu.

Signals:
    detail_requested(UserRow): Enter or a double-click on a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from supervisor_console.api.types import UserRow
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.panel.columns import DEFAULT_WIDTHS, HIDDEN_BY_DEFAULT, TITLES, Column


@dataclass(frozen=True)
class MenuEntry:
    """One line of a menu built from data, so tests read the menu without clicking."""

    label: str
    callback: Callable[[], None]
    checked: bool | None = None  # None: not checkable


class PanelView(QTableView):
    detail_requested = Signal(object)

    def __init__(self, model: LivePanelModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel")
        self.setModel(model)
        self._panel_model = model
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSortingEnabled(True)
        self._set_up_rows()
        self._set_up_header()
        self.doubleClicked.connect(self._on_double_click)

    def _set_up_rows(self) -> None:
        rows = self.verticalHeader()
        rows.hide()
        # Fixed height: the view never measures rows (a must at 50,000 rows).
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)

    def _set_up_header(self) -> None:
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setResizeContentsPrecision(50)  # only if a user double-clicks a divider
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._show_column_menu)
        self.reset_columns()
        self.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)

    def reset_columns(self) -> None:
        """Default order, widths and visibility."""
        header = self.horizontalHeader()
        for column in Column:
            visual = header.visualIndex(column)
            if visual != column:
                header.moveSection(visual, column)
            header.resizeSection(column, DEFAULT_WIDTHS[column])
            header.setSectionHidden(column, column in HIDDEN_BY_DEFAULT)

    def column_menu_entries(self) -> list[MenuEntry]:
        header = self.horizontalHeader()
        entries = [
            MenuEntry(TITLES[c], self._toggler(c), checked=not header.isSectionHidden(c))
            for c in Column
        ]
        entries.append(MenuEntry("Reset columns", self.reset_columns))
        return entries

    def _toggler(self, column: Column) -> Callable[[], None]:
        def toggle() -> None:
            header = self.horizontalHeader()
            hidden = header.isSectionHidden(column)
            shown = header.count() - header.hiddenSectionCount()
            if hidden or shown > 1:  # never hide the last visible column
                header.setSectionHidden(column, not hidden)

        return toggle

    def build_column_menu(self) -> QMenu:
        menu = QMenu(self)
        for entry in self.column_menu_entries():
            action = menu.addAction(entry.label)
            if entry.checked is not None:
                action.setCheckable(True)
                action.setChecked(entry.checked)
            action.triggered.connect(entry.callback)
        return menu

    def _show_column_menu(self, pos: QPoint) -> None:
        menu = self.build_column_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.horizontalHeader().mapToGlobal(pos))

    def current_user(self) -> UserRow | None:
        index = self.currentIndex()
        if not index.isValid():
            return None
        row = index.data(LivePanelModel.RowRole)
        return row if isinstance(row, UserRow) else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            row = self.current_user()
            if row is not None:
                self.detail_requested.emit(row)
                return
        super().keyPressEvent(event)

    def _on_double_click(self, index: QModelIndex) -> None:
        row = index.data(LivePanelModel.RowRole)
        if isinstance(row, UserRow):
            self.detail_requested.emit(row)
