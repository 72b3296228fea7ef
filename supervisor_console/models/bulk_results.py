"""The per-user results of a bulk job as a table: user, outcome, reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from supervisor_console.bulk import UserResult
from supervisor_console.bulk.texts import OUTCOME_LABELS

AnyIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
HEADERS = ("User", "ID", "Result", "Reason")
_ORDER = {"failed": 0, "skipped": 1, "pending": 2, "done": 3}  # what needs attention first


class BulkResultsModel(QAbstractTableModel):
    ResultRole = int(Qt.ItemDataRole.UserRole) + 1

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._results: list[UserResult] = []

    def set_results(self, results: Sequence[UserResult]) -> None:
        self.beginResetModel()
        self._results = sorted(results, key=lambda r: (_ORDER.get(r.outcome, 9), r.name.casefold()))
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._results)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal and 0 <= section < 4:
            return HEADERS[section]
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        result = self._results[index.row()]
        if role == self.ResultRole:
            return result
        if role in (_DISPLAY, int(Qt.ItemDataRole.ToolTipRole)):
            return (
                result.name,
                str(result.user_id),
                OUTCOME_LABELS.get(result.outcome, result.outcome),
                result.reason,
            )[index.column()]
        return None

    def outcome_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self._results:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        return counts
