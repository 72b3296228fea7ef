"""A re-ordering of the panel during which persistent indexes follow their users.

Both kinds announce a vertical sort: the columns stay put, so the selection model keeps
one persistent index per selected row instead of one per selected cell (with 10,000
rows selected that is 10,000 indexes to move, not 150,000), and the horizontal header
skips its bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QAbstractItemModel, QModelIndex

from supervisor_console.api.types import UserRow

_VERTICAL = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
# PySide picks a signal overload by its C++ signature; the bare name is the one without a hint.
_WITH_HINT = ("QList<QPersistentModelIndex>", "QAbstractItemModel::LayoutChangeHint")


def _hinted(signal: Any) -> Any:
    """The overload that carries a hint (PySide's stubs do not declare indexing)."""
    return signal[_WITH_HINT]


class _Panel(Protocol):
    def row_at(self, display_row: int) -> UserRow: ...
    def display_row_of(self, user_id: int) -> int | None: ...


class LayoutChange:
    """``with LayoutChange(model, remap):`` around a change that only moves rows.

    ``remap(old display row)`` answers where that row went, once the change is done.
    """

    def __init__(self, model: QAbstractItemModel, remap: Callable[[int], int | None]) -> None:
        self._model = model
        self._remap = remap
        self._old: list[QModelIndex] = []

    def __enter__(self) -> None:
        _hinted(self._model.layoutAboutToBeChanged).emit([], _VERTICAL)
        self._old = list(self._model.persistentIndexList())
        self._remember({index.row() for index in self._old})

    def _remember(self, rows: set[int]) -> None:
        """Hook: note what the old rows hold before they move."""

    def __exit__(self, *exc: object) -> None:
        # Several indexes share a row (current index, selection ends): map each row once.
        moved = {row: self._remap(row) for row in {index.row() for index in self._old}}
        new = []
        for index in self._old:
            row = moved[index.row()]
            new.append(QModelIndex() if row is None else self._model.index(row, index.column()))
        self._model.changePersistentIndexList(self._old, new)
        _hinted(self._model.layoutChanged).emit([], _VERTICAL)


class FollowUsers(LayoutChange):
    """A layout change for any re-ordering: rows are found again by user id."""

    def __init__(self, model: QAbstractItemModel, panel: _Panel) -> None:
        super().__init__(model, self._row_now)
        self._panel = panel
        self._ids: dict[int, int] = {}  # old display row -> user id

    def _remember(self, rows: set[int]) -> None:
        self._ids = {row: self._panel.row_at(row).id for row in rows}

    def _row_now(self, old_row: int) -> int | None:
        return self._panel.display_row_of(self._ids[old_row])
