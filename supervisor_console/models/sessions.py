"""Every active session on the server, as a table: one row per session, keyed by its id.

A refresh is applied as a difference (rows removed, inserted, changed), never a reset, so
the selection and the scroll position survive it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from supervisor_console.actions.audit_text import when_text

Index = QModelIndex | QPersistentModelIndex
COLUMNS = [
    ("name", "User"),
    ("username", "Username"),
    ("role", "Role"),
    ("kind", "Kind"),
    ("client", "Client"),
    ("address", "Address"),
    ("started_at", "Started"),
    ("last_seen", "Last seen"),
]
KIND_LABELS = {"console": "Console", "api": "API", "device": "Phone or app"}


def cell_text(session: dict[str, Any], key: str) -> str:
    value = session.get(key)
    if key in ("started_at", "last_seen"):
        return when_text(value)
    if key == "kind":
        return KIND_LABELS.get(str(value), str(value or ""))
    if key == "role":
        return str(value or "").capitalize()
    return "" if value is None else str(value)


def matches(session: dict[str, Any], search: str, kind: str | None) -> bool:
    """The window's filter: a kind, and every word of `search` in one of the columns."""
    if kind is not None and session.get("kind") != kind:
        return False
    values = [cell_text(session, key).casefold() for key, _ in COLUMNS]
    return all(any(word in v for v in values) for word in search.casefold().split())


class SessionsModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return cell_text(self.rows[index.row()], COLUMNS[index.column()][0])
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        return None

    def session(self, row: int) -> dict[str, Any] | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def apply(self, sessions: list[dict[str, Any]]) -> None:
        """Show `sessions` (in their order) by removing, changing and inserting rows."""
        wanted_ids = [s.get("id") for s in sessions]
        wanted = set(wanted_ids)
        for row in range(len(self.rows) - 1, -1, -1):
            if self.rows[row].get("id") not in wanted:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.rows[row]
                self.endRemoveRows()
        by_id = {s.get("id"): s for s in sessions}
        for row, current in enumerate(self.rows):
            fresh = by_id[current.get("id")]
            if fresh != current:
                self.rows[row] = fresh
                last = self.index(row, len(COLUMNS) - 1)
                self.dataChanged.emit(self.index(row, 0), last)
        have = {s.get("id") for s in self.rows}
        for position, session in enumerate(sessions):
            if session.get("id") in have:
                continue
            row = min(position, len(self.rows))
            self.beginInsertRows(QModelIndex(), row, row)
            self.rows.insert(row, session)
            self.endInsertRows()
