"""Pieces every action dialog shares: the user heading, wrapped text, Confirm/Cancel buttons
with the keyboard focus on Cancel (destructive actions default to Cancel: docs/console-notes.md,
3.1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.api.types import UserRow
from supervisor_console.panel.columns import status_text

MIN_WIDTH = 460


def text_label(text: str, parent: QWidget | None = None, *, bold: bool = False) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


def bullets(lines: Iterable[str], parent: QWidget | None = None) -> QLabel:
    return text_label("\n".join(f"•  {line}" for line in lines), parent)


def user_heading(row: UserRow, parent: QWidget | None = None) -> QLabel:
    """Names the user, with what the supervisor saw (status, extension)."""
    label = text_label(f"{row.name} ({row.username})", parent, bold=True)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    label.setToolTip(f"{status_text(row)} · extension {row.extension}")
    label.setObjectName("user_heading")
    return label


def fit_height(dialog: QDialog) -> None:
    """Height for the dialog's real width: a size hint measures wrapped labels at a narrow
    width and leaves a tall, mostly empty dialog."""
    layout = dialog.layout()
    if layout is None:
        return
    width = max(dialog.width(), dialog.minimumWidth())
    height = layout.totalHeightForWidth(width)
    if height > 0:
        dialog.resize(width, height)


class ActionDialog(QDialog):
    """A window-modal dialog opened with `open()`: heading, body, Confirm and Cancel."""

    def __init__(
        self,
        row: UserRow,
        title: str,
        confirm_label: str = "Confirm",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.row = row
        self.setWindowTitle(title)
        self.setMinimumWidth(MIN_WIDTH)
        self.body = QVBoxLayout(self)
        self.body.setSpacing(10)
        self.heading = user_heading(row, self)
        self.body.addWidget(self.heading)
        self.buttons = QDialogButtonBox(self)
        self.confirm_button = QPushButton(f"&{confirm_label}", self)
        self.cancel_button = QPushButton("Cancel", self)
        self.buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.confirm_button.clicked.connect(self.on_confirm)
        self.cancel_button.clicked.connect(self.reject)
        self.cancel_button.setDefault(True)  # Enter from a checkbox cancels, never confirms

    def finish_layout(self) -> None:
        """Subclasses add their body first, then call this to put the buttons last."""
        self.body.addStretch(1)
        self.body.addWidget(self.buttons)

    def on_confirm(self) -> None:
        self.accept()

    def value(self) -> Any:
        """The input the dialog collected, once accepted (None: a plain confirmation)."""
        return None

    def restore(self, value: Any) -> None:
        """Put back the input of an earlier attempt (`value()` of that dialog), so that a
        conflict costs the supervisor a review, not the retyping. Default: nothing to do."""

    def show_field_errors(self, errors: dict[str, str]) -> None:
        """What the server refused, field by field (a dialog without fields: nothing)."""

    def show_change(self, text: str) -> None:
        """Say, above everything else, what changed since the earlier attempt."""
        label = text_label(text, self)
        label.setObjectName("change_notice")
        label.setStyleSheet("color: #7a5200; font-weight: 600;")
        self.body.insertWidget(1, label)  # right under the heading naming the user

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_height(self)
        self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def button_texts(self) -> list[str]:
        """The buttons as a person reads them (no mnemonic marks), for tests."""
        return [b.text().replace("&", "") for b in self.buttons.buttons()]
