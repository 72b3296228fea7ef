"""A selection of users, not of row numbers: it survives live updates, sorting and filters.

Qt keeps the selection through row moves (layout changes keep persistent indexes), but a
model reset (a full resync, a big filter change) clears it, and rows that a filter hides
leave it. This selection model remembers the *ids* the supervisor selected: what they
select or deselect by hand (every such change goes through `select()`) updates the ids;
what the model does to the rows does not. After a reset, and when hidden rows come back,
the remembered users are selected again. Only the shown ones count for a bulk job.

Signals:
    count_changed(shown, hidden): selected users shown, and remembered but hidden.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QItemSelectionRange,
    QModelIndex,
    QPersistentModelIndex,
    Signal,
)
from PySide6.QtWidgets import QAbstractItemView

from supervisor_console.api.types import UserRow
from supervisor_console.models.panel import LivePanelModel

Flag = QItemSelectionModel.SelectionFlag
_ROWS = Flag.Rows


def spans(selection: QItemSelection) -> list[QItemSelectionRange]:
    return [selection.at(i) for i in range(selection.size())]


def row_runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs."""
    runs: list[tuple[int, int]] = []
    for row in sorted(rows):
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class UserSelectionModel(QItemSelectionModel):
    count_changed = Signal(int, int)

    def __init__(self, model: LivePanelModel) -> None:
        super().__init__(model)  # Qt connects its own model slots first: ours run after them
        self.panel_model = model
        self.ids: set[int] = set()  # what the supervisor selected, shown or not
        self._by_hand = 0
        self._current_id: int | None = None
        self.selectionChanged.connect(self._on_selection_changed)
        model.modelAboutToBeReset.connect(self._remember_current)
        model.modelReset.connect(self._restore)
        model.rowsInserted.connect(self._rows_inserted)
        model.counts_changed.connect(lambda *_: self.emit_count())

    # ---- what the supervisor does --------------------------------------------------------

    def select(self, selection: Any, command: Any) -> None:  # both Qt overloads
        if self.signalsBlocked():  # reset(): Qt clearing silently, not the supervisor
            super().select(selection, command)
            return
        if Flag(command) & Flag.Clear:
            self.ids = {i for i in self.ids if self.panel_model.display_row_of(i) is not None}
        self._by_hand += 1
        try:
            super().select(selection, command)
        finally:
            self._by_hand -= 1
        self.emit_count()

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        if not self._by_hand:
            return
        self.ids.difference_update(self._ids_in(deselected))
        self.ids.update(self._ids_in(selected))

    def _ids_in(self, selection: QItemSelection) -> list[int]:
        model = self.panel_model
        count = model.rowCount()
        return [
            model.row_at(row).id
            for span in spans(selection)
            for row in range(span.top(), min(span.bottom(), count - 1) + 1)
        ]

    def toggle_current(self) -> None:
        current = self.currentIndex()
        if current.isValid():
            self.select(current, Flag.Toggle | _ROWS)

    def invert(self) -> None:
        """Select the shown users that are not selected, and deselect those that are."""
        last = self.panel_model.rowCount() - 1
        if last < 0:
            return
        everything = QItemSelection(
            self.panel_model.index(0, 0),
            self.panel_model.index(last, self.panel_model.columnCount() - 1),
        )
        self.select(everything, Flag.Toggle | _ROWS)

    def select_ids(self, ids: list[int]) -> None:
        """Make exactly these users the selection (e.g. the failed users of a job)."""
        self.select(self._selection_of(ids), Flag.ClearAndSelect | _ROWS)
        self.ids = {i for i in ids if self.panel_model.user(i) is not None}
        self.emit_count()

    # ---- what the model does -------------------------------------------------------------

    def _remember_current(self) -> None:
        current = self.currentIndex()
        row = current.data(LivePanelModel.RowRole) if current.isValid() else None
        self._current_id = row.id if isinstance(row, UserRow) else None

    def _restore(self) -> None:
        QItemSelectionModel.select(self, self._selection_of(self.ids), Flag.Select | _ROWS)
        if self._current_id is not None:
            shown = self.panel_model.display_row_of(self._current_id)
            if shown is not None:
                index = self.panel_model.index(shown, 0)
                QItemSelectionModel.setCurrentIndex(self, index, Flag.NoUpdate)
        self.emit_count()

    def _rows_inserted(
        self, parent: QModelIndex | QPersistentModelIndex, first: int, last: int
    ) -> None:
        if not self.ids:
            return
        model = self.panel_model
        back = [row for row in range(first, last + 1) if model.row_at(row).id in self.ids]
        if back:
            QItemSelectionModel.select(self, self._rows_selection(back), Flag.Select | _ROWS)
            self.emit_count()

    def _selection_of(self, ids: set[int] | list[int]) -> QItemSelection:
        model = self.panel_model
        rows = [r for r in (model.display_row_of(i) for i in ids) if r is not None]
        return self._rows_selection(rows)

    def _rows_selection(self, rows: list[int]) -> QItemSelection:
        model = self.panel_model
        right = model.columnCount() - 1
        selection = QItemSelection()
        for first, last in row_runs(rows):
            selection.select(model.index(first, 0), model.index(last, right))
        return selection

    # ---- reading it ----------------------------------------------------------------------

    def shown_count(self) -> int:
        return sum(span.height() for span in spans(self.selection()))

    def hidden_count(self) -> int:
        known = sum(1 for i in self.ids if self.panel_model.user(i) is not None)
        return max(known - self.shown_count(), 0)

    def selected_rows(self) -> list[UserRow]:
        """The selected users that are shown, in display order."""
        model = self.panel_model
        rows = sorted(
            {r for span in spans(self.selection()) for r in range(span.top(), span.bottom() + 1)}
        )
        return [model.row_at(r) for r in rows if r < model.rowCount()]

    def emit_count(self) -> None:
        self.count_changed.emit(self.shown_count(), self.hidden_count())


def install(view: QAbstractItemView, model: LivePanelModel) -> UserSelectionModel:
    """Give `view` a selection that follows users; returns it."""
    old = view.selectionModel()
    selection = UserSelectionModel(model)
    selection.setParent(view)
    view.setSelectionModel(selection)
    if old is not None:
        old.deleteLater()
    return selection


def count_text(shown: int, hidden: int) -> str:
    if not shown and not hidden:
        return "No users selected"
    if not shown:
        return f"{hidden:,} selected, hidden by the filters"
    text = f"{shown:,} selected"
    return f"{text} (+{hidden:,} hidden by the filters)" if hidden else text
