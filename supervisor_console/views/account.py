"""The account dialogs: change the password, turn on two-factor authentication.

Each dialog only validates and emits ``submitted``; whoever owns it calls the server and
then ``show_error()`` or moves it on (``accept()``, ``show_backup_codes()``). Opened with
``open()``, never ``exec()`` inside a coroutine. Passwords and codes are never logged.

Signals:
    ChangePasswordDialog.submitted(PasswordChange)
    TwoFactorDialog.submitted(str): the code typed from the authenticator app.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.views.sign_in import ERROR_STYLE

MIN_PASSWORD = 12  # the server's policy; checked here first for an immediate message


@dataclass(frozen=True)
class PasswordChange:
    current: str
    new: str

    def __repr__(self) -> str:  # never show a password in logs or tracebacks
        return "PasswordChange(…)"


def password_problem(username: str, new: str, repeat: str) -> str | None:
    """What the form can tell before asking the server (which has the full policy)."""
    if len(new) < MIN_PASSWORD:
        return f"The new password must be at least {MIN_PASSWORD} characters long."
    if username and username.casefold() in new.casefold():
        return "The new password must not contain your username."
    if new != repeat:
        return "The two new passwords are not the same."
    return None


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent, wordWrap=True)
    label.setStyleSheet(ERROR_STYLE)
    label.setObjectName("error")
    label.hide()
    return label


class ChangePasswordDialog(QDialog):
    """Change the signed-in user's password; `required` after a temporary password."""

    submitted = Signal(object)

    def __init__(
        self,
        parent: QWidget | None,
        username: str,
        *,
        required: bool = False,
        current: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("change_password")
        self.setWindowTitle("Change password — Supervisor Console")
        self.username = username
        intro = (
            "You signed in with a temporary password. Choose your own password to go on."
            if required
            else "Choose a new password for your account."
        )
        self.intro = QLabel(intro, self, wordWrap=True)
        rules = QLabel(
            f"At least {MIN_PASSWORD} characters, not containing your username, and not one "
            "of the most common passwords.",
            self,
            wordWrap=True,
        )
        rules.setStyleSheet("color: palette(mid);")
        self.current = QLineEdit(current, echoMode=QLineEdit.EchoMode.Password)
        self.new = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        for name in ("current", "new", "repeat"):
            getattr(self, name).setObjectName(f"{name}_password")
        self.error = _error_label(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Change password")
        self.ok_button.setDefault(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("Sign out" if required else "Cancel")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        if not (required and current):  # the temporary password was just typed: not again
            form.addRow("Current password:", self.current)
        form.addRow("New password:", self.new)
        form.addRow("New password again:", self.repeat)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(rules)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self.first_field().setFocus()

    def first_field(self) -> QLineEdit:
        return self.new if self.current.text() else self.current

    def _submit(self) -> None:
        if not self.current.text():
            self.show_error("Enter your current password.")
            self.current.setFocus()
            return
        problem = password_problem(self.username, self.new.text(), self.repeat.text())
        if problem:
            self.show_error(problem)
            self.new.setFocus()
            self.new.selectAll()
            return
        self.error.hide()
        self.set_busy(True)
        self.submitted.emit(PasswordChange(self.current.text(), self.new.text()))

    def set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)
        self.ok_button.setText("Changing…" if busy else "Change password")

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
        self.error.show()


def qr_pixmap(uri: str, scale: int = 5) -> QPixmap:
    """The otpauth:// URI as a QR code an authenticator app can scan."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=scale, border=4)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap


def grouped(secret: str) -> str:
    """The secret in groups of four, as authenticator apps accept it typed."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class TwoFactorDialog(QDialog):
    """Turn on two-factor authentication: scan (or type) the secret, confirm with a code,
    then keep the backup codes, shown once."""

    submitted = Signal(str)

    def __init__(self, parent: QWidget | None, *, required: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("two_factor")
        self.setWindowTitle("Two-factor authentication — Supervisor Console")
        self.pages = QStackedWidget(self)
        self.error = _error_label(self)
        self._build_enrol_page(required)
        self._build_codes_page()
        self.buttons = QDialogButtonBox(self)
        self.ok_button = QPushButton("Turn on", self)
        self.ok_button.setDefault(True)
        self.cancel_button = QPushButton("Sign out" if required else "Cancel", self)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.set_busy(True, "Preparing…")  # until the server has sent the secret
        self.code.setFocus()

    def _build_enrol_page(self, required: bool) -> None:
        page = QWidget(self)
        intro = (
            "Your role requires two-factor authentication. Set it up now to go on."
            if required
            else "Sign-ins will ask for a code from your authenticator app."
        )
        self.intro = QLabel(intro, page, wordWrap=True)
        steps = QLabel(
            "1. Scan this code with an authenticator app (Google Authenticator, Microsoft "
            "Authenticator, FreeOTP…), or type the key below into it.\n"
            "2. Enter the 6-digit code the app shows.",
            page,
            wordWrap=True,
        )
        self.qr = QLabel(page, alignment=Qt.AlignmentFlag.AlignCenter)
        self.qr.setObjectName("qr")
        self.qr.setMinimumSize(220, 220)
        self.secret = QLabel(page)
        self.secret.setObjectName("secret")
        self.secret.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.secret.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.secret.setAccessibleName("Key for manual entry")
        self.code = QLineEdit(page, placeholderText="123456")
        self.code.setObjectName("code")
        self.code.setMaxLength(10)
        form = QFormLayout()
        form.addRow("Key:", self.secret)
        form.addRow("Code:", self.code)
        layout = QVBoxLayout(page)
        layout.addWidget(self.intro)
        layout.addWidget(steps)
        layout.addWidget(self.qr)
        layout.addLayout(form)
        self.pages.addWidget(page)

    def _build_codes_page(self) -> None:
        page = QWidget(self)
        done = QLabel(
            "Two-factor authentication is on. Keep these backup codes somewhere safe: each "
            "works once in place of a code, if you lose your phone. They are shown only now.",
            page,
            wordWrap=True,
        )
        self.codes = QPlainTextEdit(page, readOnly=True)
        self.codes.setObjectName("backup_codes")
        self.codes.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy_button = QPushButton("&Copy the codes", page)
        self.copy_button.clicked.connect(self._copy_codes)
        layout = QVBoxLayout(page)
        layout.addWidget(done)
        layout.addWidget(self.codes)
        layout.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.pages.addWidget(page)

    def show_secret(self, secret: str, uri: str) -> None:
        self.qr.setPixmap(qr_pixmap(uri))
        self.secret.setText(grouped(secret))
        self.set_busy(False)
        self.code.setFocus()

    def reject(self) -> None:
        # Once the codes show, 2FA is on: closing the dialog (Esc) is "Done", not a refusal.
        if self.pages.currentIndex() == 1:
            self.accept()
            return
        super().reject()

    def show_backup_codes(self, codes: list[str]) -> None:
        self.error.hide()
        self.codes.setPlainText("\n".join(codes))
        self.pages.setCurrentIndex(1)
        self.ok_button.setText("Done")
        self.ok_button.setEnabled(True)
        self.cancel_button.hide()
        self.buttons.accepted.disconnect(self._submit)
        self.buttons.accepted.connect(self.accept)
        self.ok_button.setFocus()

    def _copy_codes(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.codes.toPlainText())

    def _submit(self) -> None:
        code = "".join(self.code.text().split())
        if not code:
            self.show_error("Enter the 6-digit code from your authenticator app.")
            return
        self.error.hide()
        self.set_busy(True, "Checking…")
        self.submitted.emit(code)

    def set_busy(self, busy: bool, text: str = "") -> None:
        self.ok_button.setEnabled(not busy)
        self.ok_button.setText(text if busy else "Turn on")

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
        self.error.show()
        self.code.setFocus()
        self.code.selectAll()
