"""The plain confirmation (from an action's `Confirmation`) and the notice dialog."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from supervisor_console.actions.base import Confirmation
from supervisor_console.api.types import UserRow
from supervisor_console.views.dialogs.common import (
    MIN_WIDTH,
    ActionDialog,
    bullets,
    fit_height,
    text_label,
)


class ConfirmDialog(ActionDialog):
    """Names the user, asks the question word for word, lists the consequences."""

    def __init__(
        self, row: UserRow, confirmation: Confirmation, parent: QWidget | None = None
    ) -> None:
        super().__init__(row, confirmation.title, confirmation.confirm_label, parent)
        self.confirmation = confirmation
        self.question = text_label(confirmation.question, self)
        self.question.setObjectName("question")
        self.body.addWidget(self.question)
        self.details = bullets(confirmation.details, self)
        self.details.setVisible(bool(confirmation.details))
        self.body.addWidget(self.details)
        self.finish_layout()


class NoticeDialog(QDialog):
    """A message after an action (refused, changed, failed) or an explanation; one button."""

    def __init__(
        self, title: str, text: str, details: Sequence[str] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(MIN_WIDTH)
        layout = QVBoxLayout(self)
        layout.addWidget(text_label(title, self, bold=True))
        self.text = text_label(text, self)
        self.text.setObjectName("notice")
        layout.addWidget(self.text)
        if details:
            layout.addWidget(bullets(details, self))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(buttons)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_height(self)
