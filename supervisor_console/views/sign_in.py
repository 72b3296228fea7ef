"""The sign-in dialog. Opened with ``open()``; never ``exec()`` inside a coroutine.

The dialog only validates and emits ``submitted``; whoever signs in calls
``show_error()`` or ``accept()`` when the answer comes.

Signals:
    submitted(SignInRequest): the form is valid and the user pressed Sign in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.api.errors import ApiError, AuthError, ForbiddenError, NetworkError

ERROR_STYLE = "color: #a4262c; font-weight: 600;"
WARNING_STYLE = "color: #7a5200;"


@dataclass(frozen=True)
class SignInRequest:
    server: str
    username: str
    password: str
    remember: bool
    ca_file: str | None = None
    otp: str | None = None  # a two-factor code (or backup code), once the server asked

    def __repr__(self) -> str:  # never show the password in logs or tracebacks
        return f"SignInRequest(server={self.server!r}, username={self.username!r})"


def sign_in_error_text(exc: BaseException) -> str:
    """What the dialog says for a failed sign-in."""
    if isinstance(exc, AuthError):
        return exc.detail if exc.needs_code and exc.detail else "Wrong username or password."
    if isinstance(exc, ForbiddenError):
        return f"This account may not use the console: {exc}"
    if isinstance(exc, NetworkError):
        return f"Cannot reach the server: {exc}"
    if isinstance(exc, ApiError):
        return str(exc)
    return f"Sign-in failed: {exc}"


def validate(server: str, username: str, password: str, ca_file: str) -> str | None:
    """The first problem with the form, or None."""
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "Enter the server address, e.g. https://contact-center.example.com"
    if not username:
        return "Enter your username."
    if not password:
        return "Enter your password."
    if ca_file and not os.path.isfile(ca_file):
        return f"The CA file {ca_file} does not exist."
    return None


class SignInDialog(QDialog):
    submitted = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        server: str = "",
        username: str = "",
        focus_server: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in — Supervisor Console")
        self.setObjectName("sign_in")
        self.focus_server = focus_server
        self.server = QLineEdit(server, placeholderText="https://contact-center.example.com")
        self.username = QLineEdit(username)
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Remember me on this computer")
        self.remember.setChecked(True)
        self.ca_file = QLineEdit(placeholderText="System certificates")
        # Shown when the server asks for a two-factor code (a backup code works too).
        self.otp = QLineEdit(placeholderText="6-digit code or backup code")
        self.otp.setMaxLength(20)
        self.otp_label = QLabel("Code:")
        for name in ("server", "username", "password", "remember", "ca_file", "otp"):
            getattr(self, name).setObjectName(name)
        self.error = QLabel(self, wordWrap=True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.note = QLabel(self, wordWrap=True)
        self.note.setStyleSheet(WARNING_STYLE)
        self.note.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText("Sign in")
        self.sign_in_button.setDefault(True)  # Enter in any field signs in
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()
        self.first_field().setFocus()

    def first_field(self) -> QLineEdit:
        """Where typing starts: the first empty field, never over a filled-in server
        address (unless the user asked to switch servers; then the address is selected)."""
        if self.focus_server or not self.server.text():
            self.server.selectAll()
            return self.server
        return self.password if self.username.text() else self.username

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow("Server:", self.server)
        form.addRow("Username:", self.username)
        form.addRow("Password:", self.password)
        form.addRow(self.otp_label, self.otp)
        self.otp_label.hide()
        self.otp.hide()
        form.addRow("", self.remember)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(browse)
        form.addRow("CA file:", ca_row)
        ca_hint = QLabel("For a server with a self-signed certificate. Verification stays on.")
        ca_hint.setStyleSheet("color: palette(mid);")
        form.addRow("", ca_hint)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)

    def _browse_ca(self) -> None:
        dialog = QFileDialog(self, "CA certificate", "", "Certificates (*.pem *.crt);;All (*)")
        dialog.fileSelected.connect(self.ca_file.setText)
        dialog.open()

    def request(self) -> SignInRequest:
        ca = self.ca_file.text().strip()
        return SignInRequest(
            server=self.server.text().strip().rstrip("/"),
            username=self.username.text().strip(),
            password=self.password.text(),
            remember=self.remember.isChecked(),
            ca_file=ca or None,
            otp="".join(self.otp.text().split()) or None if self.otp.isVisible() else None,
        )

    def _submit(self) -> None:
        req = self.request()
        problem = validate(req.server, req.username, req.password, req.ca_file or "")
        if problem:
            self.show_error(problem)
            return
        if self.otp.isVisible() and not req.otp:
            self.show_error("Enter the code from your authenticator app, or a backup code.")
            self.otp.setFocus()
            return
        self.error.hide()
        self.set_busy(True)
        self.submitted.emit(req)

    def set_busy(self, busy: bool) -> None:
        self.sign_in_button.setEnabled(not busy)
        self.sign_in_button.setText("Signing in…" if busy else "Sign in")

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setText(text)
        self.error.show()

    def ask_code(self, text: str) -> None:
        """The password was right; the server wants a two-factor code (`text` says so)."""
        first = not self.otp.isVisible()
        self.otp_label.show()
        self.otp.show()
        self.show_error(text)
        if first:
            self.error.setStyleSheet("")  # not an error the first time: the next step
        else:
            self.error.setStyleSheet(ERROR_STYLE)
        self.otp.setFocus()
        self.otp.selectAll()

    def show_note(self, text: str) -> None:
        """A warning that is not an error (e.g. no keyring: "Remember me" is off)."""
        self.note.setText(text)
        self.note.show()

    def disable_remember(self, reason: str) -> None:
        self.remember.setChecked(False)
        self.remember.setEnabled(False)
        self.show_note(reason)
