"""The user detail pane: every field at once, then sessions, calls and activity loaded
asynchronously through the client (never blocking the GUI; "Loading…" until they come).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any, Protocol

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QFormLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.api.types import UserRow
from supervisor_console.panel.columns import format_when, live_call_text, status_text

_LISTS: dict[str, tuple[str, list[str]]] = {
    "sessions": ("Sessions", ["id", "kind", "client", "address", "started_at", "last_seen"]),
    "calls": ("Recent calls", ["direction", "peer", "started_at", "ended_at", "ended_by"]),
    "activity": ("Activity", ["at", "actor", "action", "before", "after"]),
}


class DetailSource(Protocol):
    """What the pane needs of the API client (ApiClient satisfies it)."""

    async def sessions(self, user_id: int) -> list[dict[str, Any]]: ...
    async def calls(self, user_id: int) -> list[dict[str, Any]]: ...
    async def activity(self, user_id: int) -> list[dict[str, Any]]: ...


def _field_rows(row: UserRow) -> list[tuple[str, str]]:
    now = datetime.now(UTC)
    return [
        ("Name", row.name),
        ("Username", row.username),
        ("Email", row.email or "—"),
        ("Status", f"{status_text(row)} since {format_when(row.status_since, now)}"),
        ("Live call", live_call_text(row, now) or "none"),
        ("Sessions", str(row.session_count)),
        ("Extension", row.extension),
        ("Phone number", row.phone_number or "—"),
        ("Role", row.role.capitalize()),
        ("Desks", ", ".join(row.desks) or "—"),
        ("Skills", ", ".join(row.skills) or "—"),
        ("Tags", ", ".join(row.tags) or "—"),
        ("Active", "Yes" if row.active else "No (deactivated)"),
        ("2FA", "On" if row.two_factor else "Off"),
        *(
            [("Password", "Must change password at next sign-in")]
            if row.must_change_password
            else []
        ),
        ("Last activity", format_when(row.last_activity, now) or "—"),
        ("Last changed", f"{row.changed_by or '?'} at {format_when(row.changed_at, now)}"),
    ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


class _VerticalScroll(QScrollArea):
    """Scrolls up and down only: as wide as its content needs, so the dock is too."""

    def minimumSizeHint(self) -> QSize:
        body = self.widget()
        hint = super().minimumSizeHint()
        if body is None:
            return hint
        width = body.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return QSize(width, hint.height())


class UserDetailPane(QDockWidget):
    row_shown = Signal(object)  # the UserRow now shown (new user or a live update)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("User details", parent)
        self.setObjectName("user_detail")
        self.source: DetailSource | None = None
        self.user_id: int | None = None
        self._task: asyncio.Task[None] | None = None
        body = QWidget(self)
        self._form = QFormLayout()
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.tabs = QTabWidget(body)
        self.lists: dict[str, QTreeWidget] = {}
        self.notes: dict[str, QLabel] = {}
        for key, (title, columns) in _LISTS.items():
            self.tabs.addTab(self._list_page(key, columns), title)
        layout = QVBoxLayout(body)
        layout.addLayout(self._form)
        layout.addWidget(self.tabs, 1)
        self._layout = layout
        # Scrolls rather than squeezing the fields when the window is short.
        scroll = _VerticalScroll(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.setWidget(scroll)

    def add_section(self, widget: QWidget) -> None:
        """Put `widget` between the fields and the lists (e.g. the action buttons)."""
        self._layout.insertWidget(self._layout.indexOf(self.tabs), widget)

    def show_list(self, key: str) -> None:
        """Bring the "sessions", "calls" or "activity" tab to the front."""
        self.tabs.setCurrentIndex(list(_LISTS).index(key))

    def _list_page(self, key: str, columns: list[str]) -> QWidget:
        page = QWidget(self)
        tree = QTreeWidget(page)
        tree.setRootIsDecorated(False)
        tree.setHeaderLabels([c.replace("_", " ").capitalize() for c in columns])
        note = QLabel(page)
        note.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(note)
        layout.addWidget(tree, 1)
        self.lists[key], self.notes[key] = tree, note
        return page

    def show_user(self, row: UserRow) -> None:
        """Show `row` now, then load its lists; a previous load is cancelled."""
        self.user_id = row.id
        self.update_row(row)
        self.show()
        self.raise_()
        self._cancel()
        for key in _LISTS:
            self.lists[key].clear()
            self.notes[key].setText("Loading…" if self.source else "Not connected.")
            self.notes[key].show()
        if self.source is not None:
            self._task = asyncio.get_running_loop().create_task(self._load(row.id))

    def update_row(self, row: UserRow) -> None:
        """Refresh the fields (the live panel changed the row)."""
        while self._form.rowCount():
            self._form.removeRow(0)
        for label, value in _field_rows(row):
            text = QLabel(value)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._form.addRow(f"{label}:", text)
        self.setWindowTitle(f"User details: {row.name}")
        self.row_shown.emit(row)

    def field_text(self, label: str) -> str | None:
        """The shown value of a field (for tests and accessibility checks)."""
        for i in range(self._form.rowCount()):
            name = self._form.itemAt(i, QFormLayout.ItemRole.LabelRole)
            value = self._form.itemAt(i, QFormLayout.ItemRole.FieldRole)
            name_widget = name.widget() if name is not None else None
            value_widget = value.widget() if value is not None else None
            if isinstance(name_widget, QLabel) and name_widget.text() == f"{label}:":
                return value_widget.text() if isinstance(value_widget, QLabel) else None
        return None

    async def _load(self, user_id: int) -> None:
        source = self.source
        assert source is not None
        loaders = (source.sessions(user_id), source.calls(user_id), source.activity(user_id))
        results = await asyncio.gather(*loaders, return_exceptions=True)
        if user_id != self.user_id:
            return
        for key, result in zip(_LISTS, results, strict=True):
            self._fill(key, result)

    def _fill(self, key: str, result: object) -> None:
        note, tree = self.notes[key], self.lists[key]
        if isinstance(result, BaseException):
            note.setText(f"Could not load: {result}")
            note.setStyleSheet("color: #a4262c;")
            return
        note.setStyleSheet("")
        entries = result if isinstance(result, list) else []
        note.setText("" if entries else "None.")
        note.setVisible(not entries)
        columns = _LISTS[key][1]
        for entry in entries:
            values = [_cell(entry.get(c)) if isinstance(entry, dict) else "" for c in columns]
            tree.addTopLevelItem(QTreeWidgetItem(values))

    def loading_done(self) -> bool:
        return self._task is None or self._task.done()

    async def wait_loaded(self) -> None:
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    def closeEvent(self, event: Any) -> None:
        self._cancel()
        super().closeEvent(event)
