"""The sign-in dialog: validation and the inline errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from supervisor_console.api.errors import AuthError, NetworkError
from supervisor_console.views.sign_in import SignInDialog, sign_in_error_text, validate


@pytest.mark.parametrize(
    ("server", "user", "password", "ca", "expected"),
    [
        ("", "u", "p", "", "server address"),
        ("contact.example.com", "u", "p", "", "server address"),
        ("https://cc.example.com", "", "p", "", "username"),
        ("https://cc.example.com", "u", "", "", "password"),
        ("https://cc.example.com", "u", "p", "/nonexistent/ca.pem", "does not exist"),
        ("https://cc.example.com", "u", "p", "", None),
    ],
)
def test_validation(server: str, user: str, password: str, ca: str, expected: str | None) -> None:
    problem = validate(server, user, password, ca)
    assert (problem is None) if expected is None else (expected in (problem or ""))


def test_invalid_form_shows_inline_error_and_emits_nothing(qtbot: Any) -> None:
    dialog = SignInDialog(server="https://cc.example.com", username="ada")
    qtbot.addWidget(dialog)
    dialog.open()
    seen: list[object] = []
    dialog.submitted.connect(seen.append)
    dialog.sign_in_button.click()
    assert seen == []
    assert dialog.error.isVisible()
    assert "password" in dialog.error.text()


def test_valid_form_emits_request_without_leaking_password(qtbot: Any, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    dialog = SignInDialog(server="https://cc.example.com/", username="ada")
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.password.setText("s3cret")
    dialog.ca_file.setText(str(ca))
    with qtbot.waitSignal(dialog.submitted, timeout=1000) as blocker:
        dialog.sign_in_button.click()
    req = blocker.args[0]
    assert (req.server, req.username, req.password, req.ca_file) == (
        "https://cc.example.com",
        "ada",
        "s3cret",
        str(ca),
    )
    assert "s3cret" not in repr(req)
    assert not dialog.sign_in_button.isEnabled()
    dialog.show_error(sign_in_error_text(AuthError("bad")))
    assert dialog.error.text() == "Wrong username or password."
    assert dialog.sign_in_button.isEnabled()


def test_error_texts() -> None:
    assert sign_in_error_text(NetworkError("connection refused")).startswith(
        "Cannot reach the server"
    )


def test_without_keyring_remember_me_is_off(qtbot: Any) -> None:
    dialog = SignInDialog()
    qtbot.addWidget(dialog)
    dialog.disable_remember("No system keyring is available")
    assert not dialog.remember.isChecked()
    assert not dialog.remember.isEnabled()
    assert "keyring" in dialog.note.text()
