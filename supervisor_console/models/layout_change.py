"""A re-ordering of the panel during which persistent indexes follow their users."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QAbstractItemModel, QModelIndex

from supervisor_console.api.types import UserRow


class _Panel(Protocol):
    def row_at(self, display_row: int) -> UserRow: ...
    def display_row_of(self, user_id: int) -> int | None: ...


class LayoutChange:
    """``with LayoutChange(model):`` around any change that only moves rows."""

    def __init__(self, model: QAbstractItemModel, panel: _Panel) -> None:
        self._model = model
        self._panel = panel
        self._old: list[QModelIndex] = []
        self._ids: list[tuple[int, int]] = []

    def __enter__(self) -> None:
        self._model.layoutAboutToBeChanged.emit()
        self._old = list(self._model.persistentIndexList())
        self._ids = [(self._panel.row_at(i.row()).id, i.column()) for i in self._old]

    def __exit__(self, *exc: object) -> None:
        new = []
        for user_id, column in self._ids:
            row = self._panel.display_row_of(user_id)
            new.append(QModelIndex() if row is None else self._model.index(row, column))
        self._model.changePersistentIndexList(self._old, new)
        self._model.layoutChanged.emit()
