"""The detail pane's part of the actions: one button per action (the same units as the
menu), the next steps after an overdue dialer reset, and the audit trail made readable.

Signals:
    triggered(str): the key of the action whose button was pressed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from supervisor_console.actions.audit_text import readable_entry
from supervisor_console.actions.base import UserAction
from supervisor_console.actions.catalogue import CATALOGUE, MenuItem
from supervisor_console.actions.dialer import TROUBLESHOOTING_STEPS, TROUBLESHOOTING_TITLE
from supervisor_console.api.types import UserRow
from supervisor_console.views.user_detail import DetailSource

_COLUMNS = 3
_NOTE_STYLE = "background: #fff4ce; color: #3b2f00; border: 1px solid #e0c36c; padding: 6px;"


def shortcut_text(shortcut: str) -> str:
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


def troubleshooting_text(row: UserRow, limit: float) -> str:
    steps = "".join(f"<li>{step}</li>" for step in TROUBLESHOOTING_STEPS)
    return (
        f"<b>{TROUBLESHOOTING_TITLE}.</b> The dialer reset of {row.name} has not shown "
        f"Available after {limit:g} seconds. Next steps:<ol>{steps}</ol>"
    )


class ActionPanel(QWidget):
    triggered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("action_panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.troubleshooting = QLabel(self)
        self.troubleshooting.setObjectName("troubleshooting")
        self.troubleshooting.setWordWrap(True)
        self.troubleshooting.setTextFormat(Qt.TextFormat.RichText)
        self.troubleshooting.setStyleSheet(_NOTE_STYLE)
        self.troubleshooting.hide()
        layout.addWidget(self.troubleshooting)
        grid = QGridLayout()
        grid.setSpacing(4)
        self.buttons: dict[str, QPushButton] = {}
        # Navigation entries are the pane itself; the buttons are for what changes the user.
        units = [unit for unit in CATALOGUE if isinstance(unit, UserAction)]
        for i, unit in enumerate(units):
            button = QPushButton(unit.button_label, self)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, key=unit.key: self.triggered.emit(key))
            self.buttons[unit.key] = button
            grid.addWidget(button, i // _COLUMNS, i % _COLUMNS)
        layout.addLayout(grid)

    def set_items(self, items: list[MenuItem]) -> None:
        """Enable each button as the menu would, with the same reason as its tooltip."""
        for item in items:
            button = self.buttons.get(item.key)
            if button is None:
                continue
            button.setEnabled(item.enabled)
            hint = f"{item.label} ({shortcut_text(item.shortcut)})"
            button.setToolTip(item.reason if not item.enabled else hint)

    def set_troubleshooting(self, text: str | None) -> None:
        self.troubleshooting.setText(text or "")
        self.troubleshooting.setVisible(bool(text))


class ReadableDetails:
    """The detail pane's source with the audit trail as "who did what, when"."""

    def __init__(self, source: DetailSource) -> None:
        self._source = source

    async def sessions(self, user_id: int) -> list[dict[str, Any]]:
        return await self._source.sessions(user_id)

    async def calls(self, user_id: int) -> list[dict[str, Any]]:
        return await self._source.calls(user_id)

    async def activity(self, user_id: int) -> list[dict[str, Any]]:
        return [readable_entry(entry) for entry in await self._source.activity(user_id)]
