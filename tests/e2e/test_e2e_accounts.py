"""Accounts as a supervisor lives them (issue 13), through the installed console: a forced
password change, two-factor enrolment with the key read from the dialog, a sign-in with a
code, the sessions window, and being signed out by an admin."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest

from tests.e2e.e2e_driver import Backend, Console, wait_for
from tests.e2e.test_e2e import MAIN, SIGN_IN, panel_full, signed_in_console

NEW_PW = "a brand new pass phrase"
SECRET = re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$")


def secret_in(window: dict[str, Any]) -> str | None:
    """The key for manual entry, as the two-factor dialog shows it (groups of four)."""
    found = [label for label in window["labels"] if SECRET.match(label)]
    return found[0].replace(" ", "") if found else None


@pytest.mark.serve_options("--require-2fa", "supervisor")
def test_temporary_password_then_two_factor_then_a_code(console: Console, backend: Backend) -> None:
    admin = backend.token("admin")
    reset = backend.post("/users/2/reset-password", admin, {"require_change": True})
    temporary = reset["temporary_password"]
    console.start("--server", backend.url)
    console.wait_window(SIGN_IN)
    console.focus_window(SIGN_IN)
    console.wait_focus("username")
    console.type("supervisor")
    console.key("Tab")
    console.type(temporary)
    console.key("Return")

    # Made to change it: the temporary password is not asked again.
    console.wait_window("Change password")
    console.focus_window("Change password")
    console.wait_focus("new_password")
    console.type(NEW_PW)
    console.key("Tab")
    console.type(NEW_PW)
    console.key("Return")

    # The role requires two-factor authentication: the key is read off the dialog.
    window = console.wait_window("Two-factor authentication", secret_in, what="the key")
    secret = secret_in(window)
    assert secret is not None
    console.focus_window("Two-factor authentication")
    console.wait_focus("code")
    console.type(pyotp.TOTP(secret).now())
    console.key("Return")
    codes = console.wait_window(
        "Two-factor authentication", lambda w: "Done" in w["buttons"], what="backup codes"
    )
    assert "They are shown only now." in " ".join(codes["labels"])
    console.focus_window("Two-factor authentication")
    console.key("Return")  # Done
    console.wait_main(lambda w: w["title"] == MAIN + backend.url and panel_full(w), "the panel")

    console.focus_window(MAIN)  # no window manager: the closed dialog left no focus
    console.key("alt+s", "o")  # Session ▸ Sign out
    console.wait_window(SIGN_IN)
    console.focus_window(SIGN_IN)
    console.wait_focus("password")
    console.type(NEW_PW)
    console.key("Return")
    asked = console.wait_window(SIGN_IN, lambda w: any("code" in x for x in w["labels"]))
    assert "Enter the 6-digit code" in " ".join(asked["labels"])
    console.wait_focus("otp")
    # The next window's code: valid now, and never the one used a moment ago.
    console.type(pyotp.TOTP(secret).at(time.time() + 30))
    console.key("Return")
    console.wait_main(lambda w: w["title"] == MAIN + backend.url and panel_full(w), "signed in")


def test_sessions_window_lists_the_console_and_logs_a_session_out(
    console: Console, backend: Backend
) -> None:
    signed_in_console(console, backend)
    admin = backend.token("admin")
    console.key("ctrl+shift+s")
    listed = console.wait_window(
        "Active sessions", lambda w: any("active sessions" in x for x in w["labels"])
    )
    assert listed is not None
    console.focus_window("Active sessions")
    console.wait_focus("sessions_search")
    agent = next(u for u in backend.get("/users", admin)["users"] if u["role"] == "agent")
    console.type(agent["username"])
    console.key("Tab", "Tab")  # past the kind, into the list
    console.wait_focus("sessions_table")
    console.key("Delete")
    box = console.wait_window("Log out session")
    assert f"Log out this session of {agent['first_name']}" in box["text"]
    console.focus_window("Log out session")
    console.key("alt+l")
    wait_for(
        lambda: backend.get(f"/users/{agent['id']}", admin)["session_count"] == 0,
        "the session to end on the server",
    )


def test_signed_out_by_an_admin_says_who(console: Console, backend: Backend) -> None:
    signed_in_console(console, backend)
    admin = backend.token("admin")
    sessions = backend.get("/users/2/sessions", admin)
    console_sessions = [s for s in sessions if s["kind"] == "console"]
    assert console_sessions, sessions
    backend.post("/users/2/logout", admin, {"session_id": console_sessions[0]["id"]})
    dialog = console.wait_window(SIGN_IN, lambda w: any("signed out by" in x for x in w["labels"]))
    assert "You were signed out by Alex Admin (admin)." in dialog["labels"]
    assert console.main()["title"].startswith(MAIN)
