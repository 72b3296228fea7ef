"""Reset password: the option and the confirmation, then the temporary password shown once.

The password lives only in the result dialog's label; it is never logged, and the label
is cleared when the dialog closes ("Copy the password immediately": docs/console-notes.md,
3.3).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.actions.base import Confirmation
from supervisor_console.actions.params import PasswordParams
from supervisor_console.api.types import UserRow
from supervisor_console.views.dialogs.common import (
    MIN_WIDTH,
    ActionDialog,
    bullets,
    text_label,
    user_heading,
)

REQUIRE_CHANGE = "Require reset password on next login"
COPY_NOW = "Copy the password now: it is shown only this once and cannot be shown again."


class ResetPasswordDialog(ActionDialog):
    def __init__(
        self, row: UserRow, confirmation: Confirmation, parent: QWidget | None = None
    ) -> None:
        super().__init__(row, confirmation.title, confirmation.confirm_label, parent)
        self.question = text_label(confirmation.question, self)
        self.body.addWidget(self.question)
        self.details = bullets(confirmation.details, self)
        self.body.addWidget(self.details)
        self.require_change = QCheckBox(REQUIRE_CHANGE, self)
        self.require_change.setChecked(True)
        self.require_change.setToolTip(
            "The user is asked to choose a permanent password the next time they sign in."
        )
        self.body.addWidget(self.require_change)
        self.finish_layout()

    def restore(self, value: Any) -> None:
        assert isinstance(value, PasswordParams)
        self.require_change.setChecked(value.require_change)

    def value(self) -> PasswordParams:
        return self.params()

    def params(self) -> PasswordParams:
        return PasswordParams(require_change=self.require_change.isChecked())


class TemporaryPasswordDialog(QDialog):
    """Shows the temporary password once, with a Copy button."""

    def __init__(self, row: UserRow, password: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Temporary password")
        self.setMinimumWidth(MIN_WIDTH)
        layout = QVBoxLayout(self)
        layout.addWidget(user_heading(row, self))
        layout.addWidget(text_label(f"The new temporary password of {row.name}:", self))
        self.password = QLineEdit(password, self)
        self.password.setReadOnly(True)
        self.password.setObjectName("temporary_password")
        font = self.password.font()
        font.setFamily("monospace")
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.password.setFont(font)
        self.copy_button = QPushButton("&Copy", self)
        self.copy_button.clicked.connect(self.copy)
        row_layout = QHBoxLayout()
        row_layout.addWidget(self.password, 1)
        row_layout.addWidget(self.copy_button)
        layout.addLayout(row_layout)
        self.note = text_label(COPY_NOW, self, bold=True)
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.finished.connect(self._forget)

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self.copy_button.setFocus()

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.password.text())
        self.copy_button.setText("Copied")

    def _forget(self) -> None:
        self.password.clear()
        self.password.setText("")
