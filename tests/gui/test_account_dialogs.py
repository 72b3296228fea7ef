"""The account dialogs and the Sessions window, in detail (the flows through a real server
are in tests/integration/test_accounts_console.py and the e2e suite)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from supervisor_console.api.errors import AuthError
from supervisor_console.models.sessions import SessionsModel, matches
from supervisor_console.views.account import (
    ChangePasswordDialog,
    PasswordChange,
    TwoFactorDialog,
    grouped,
    password_problem,
    qr_pixmap,
)
from supervisor_console.views.sessions_window import SessionsWindow, describe
from supervisor_console.views.sign_in import SignInDialog, sign_in_error_text


@pytest.mark.parametrize(
    ("new", "repeat", "expected"),
    [
        ("short", "short", "at least 12 characters"),
        ("xx-sky.supervisor-xx", "xx-sky.supervisor-xx", "must not contain your username"),
        ("a long enough one", "a long enough two", "not the same"),
        ("a long enough one", "a long enough one", None),
    ],
)
def test_password_form_says_what_is_wrong(new: str, repeat: str, expected: str | None) -> None:
    problem = password_problem("supervisor", new, repeat)
    assert (problem is None) if expected is None else (expected in (problem or ""))


def test_required_change_does_not_ask_the_temporary_password_again(qtbot: Any) -> None:
    dialog = ChangePasswordDialog(None, "ada", required=True, current="Temp-Pass-Word")
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.first_field() is dialog.new
    assert not dialog.current.isVisible()
    assert "temporary password" in dialog.intro.text()
    seen: list[PasswordChange] = []
    dialog.submitted.connect(seen.append)
    dialog.new.setText("correct horse battery")
    dialog.repeat.setText("correct horse battery")
    QTest.keyClick(dialog.repeat, Qt.Key.Key_Return)  # Enter changes it
    assert [(c.current, c.new) for c in seen] == [("Temp-Pass-Word", "correct horse battery")]
    assert repr(seen[0]) == "PasswordChange(…)"
    assert not dialog.ok_button.isEnabled()  # busy until the server answers
    dialog.show_error("This password is one of the most commonly used passwords; choose another.")
    assert dialog.ok_button.isEnabled()
    assert dialog.error.isVisible()


def test_two_factor_dialog_shows_the_qr_code_and_the_key(qtbot: Any) -> None:
    dialog = TwoFactorDialog(None)
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.ok_button.isEnabled()  # until the secret has come
    uri = "otpauth://totp/Supervisor%20Console:ada?secret=JBSWY3DPEHPK3PXP&issuer=Supervisor%20Console"
    dialog.show_secret("JBSWY3DPEHPK3PXP", uri)
    assert dialog.secret.text() == "JBSW Y3DP EHPK 3PXP" == grouped("JBSWY3DPEHPK3PXP")
    pixmap = dialog.qr.pixmap()
    assert not pixmap.isNull()
    assert pixmap.width() == pixmap.height() >= 150
    assert dialog.ok_button.isEnabled()
    seen: list[str] = []
    dialog.submitted.connect(seen.append)
    dialog.code.setText("123 456")
    dialog.ok_button.click()
    assert seen == ["123456"]
    dialog.show_backup_codes([f"abcd-{i:04d}" for i in range(10)])
    assert dialog.codes.toPlainText().splitlines()[0] == "abcd-0000"
    assert dialog.ok_button.text() == "Done"
    dialog.reject()  # Esc once the codes show: 2FA is on, the dialog is done
    assert dialog.result() == dialog.DialogCode.Accepted.value


def test_a_qr_code_is_a_square_image() -> None:
    pixmap = qr_pixmap("otpauth://totp/x?secret=ABC")
    assert not pixmap.isNull()
    assert pixmap.width() == pixmap.height()


def test_sign_in_asks_for_a_code_when_the_server_wants_one(qtbot: Any) -> None:
    dialog = SignInDialog(server="https://cc.example.com", username="ada")
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.otp.isVisible()
    needed = AuthError(
        "x",
        status=401,
        detail="Enter the 6-digit code from your authenticator app, or a backup code.",
        reason="otp_required",
    )
    dialog.ask_code(sign_in_error_text(needed))
    assert dialog.otp.isVisible()
    assert dialog.error.text() == needed.detail
    seen: list[Any] = []
    dialog.submitted.connect(seen.append)
    dialog.password.setText("pw")
    dialog.sign_in_button.click()  # no code typed yet
    assert seen == []
    dialog.otp.setText("654 321")
    dialog.sign_in_button.click()
    assert seen[0].otp == "654321"
    wrong = AuthError("x", status=401, detail="That code is not right.", reason="otp_invalid")
    assert sign_in_error_text(wrong) == "That code is not right."
    assert sign_in_error_text(AuthError("x", status=401)) == "Wrong username or password."


def session(sid: int, **extra: Any) -> dict[str, Any]:
    base = {
        "id": sid, "user_id": 10 + sid, "username": f"agent{sid}", "name": f"Agent {sid}",
        "role": "agent", "kind": "console", "client": "supervisor-console/0.1",
        "address": "10.0.0.7", "started_at": "2026-12-01T08:00:00+00:00",
        "last_seen": "2026-12-01T08:05:00+00:00",
    }  # fmt: skip
    return base | extra


def test_sessions_model_applies_a_refresh_as_a_difference(qtmodeltester: Any) -> None:
    model = SessionsModel()
    qtmodeltester.check(model)
    model.apply([session(1), session(2), session(3)])
    events: list[str] = []
    model.modelReset.connect(lambda: events.append("reset"))
    model.rowsRemoved.connect(lambda *_: events.append("removed"))
    model.rowsInserted.connect(lambda *_: events.append("inserted"))
    model.dataChanged.connect(lambda *_: events.append("changed"))
    model.apply([session(4), session(1), session(3, last_seen="2026-12-01T08:09:00+00:00")])
    assert [s["id"] for s in model.rows] == [4, 1, 3]
    assert sorted(events) == ["changed", "inserted", "removed"]
    qtmodeltester.check(model)


def test_sessions_filter_and_description() -> None:
    s = session(5, kind="api", client="curl/8", address=None)
    assert matches(s, "agent5 api", None)
    assert not matches(s, "agent5", "console")
    assert describe(s) == "Agent 5 (agent5), API, curl/8"


def test_sessions_window_confirms_before_logging_out(qtbot: Any) -> None:
    window = SessionsWindow()
    qtbot.addWidget(window)
    window.show()
    window.set_sessions([session(1), session(2)], datetime(2026, 12, 1, 9, 0, 0))
    assert window.status.text() == "2 active sessions, updated 09:00:00"
    assert window.current_session() == session(1)
    window.search.setText("agent2")
    assert window.proxy.rowCount() == 1
    window.table.setCurrentIndex(window.proxy.index(0, 0))
    asked: list[dict[str, Any]] = []
    window.logout_requested.connect(asked.append)
    window.logout_button.click()
    box = window._box
    assert box is not None
    assert box.text() == "Log out this session of Agent 2?"
    assert box.defaultButton().text() == "Cancel"
    confirm = next(b for b in box.buttons() if b.text() == "&Log out")
    confirm.click()
    assert asked == [session(2)]
