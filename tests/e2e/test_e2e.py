"""The installed console, driven by keyboard from outside on a real X server, against a
real `contact-center serve`: what a supervisor does first every day.

Each scenario prints its wall time; the closing note of issue 10 lists them.
"""

from __future__ import annotations

import time
from typing import Any

from conftest import ADMIN_PW, AGENTS, SUPER_PW, Floor
from e2e_driver import Backend, Console, wait_for
from e2e_keyring import stored

SIGN_IN = "Sign in — Supervisor Console"
MAIN = "Supervisor Console — "
WRONG = "Wrong username or password."


def panel_full(window: dict[str, Any]) -> bool:
    return int(window.get("rows_total") or 0) == AGENTS + 2 and "Connected" in window["connection"]


def sign_in(console: Console, backend: Backend, username: str, password: str) -> dict[str, Any]:
    """Type into the sign-in dialog as a user does; returns the main window's state."""
    console.wait_window(SIGN_IN)
    console.focus_window(SIGN_IN)
    console.wait_focus("username")  # the server is filled in: typing starts at Username
    console.type(username)
    console.key("Tab")
    console.type(password)
    console.key("Return")  # Enter in Password signs in
    return console.wait_main(
        lambda w: w["title"] == MAIN + backend.url and panel_full(w), "the panel to fill"
    )


def test_sign_in_opens_the_live_panel(console: Console, backend: Backend) -> None:
    started = time.monotonic()
    console.start("--server", backend.url)
    main = sign_in(console, backend, "supervisor", SUPER_PW)
    assert "Signed in as supervisor (supervisor)" in main["signed_in_as"]
    assert console.window(SIGN_IN) is None
    print(f"sign-in to a full panel: {time.monotonic() - started:.1f} s")
    # Closing the main window, and only that, ends the program.
    assert console.close() == 0


def test_wrong_password_then_lock_out(console: Console, backend: Backend) -> None:
    console.start("--server", backend.url)
    console.wait_window(SIGN_IN)
    console.focus_window(SIGN_IN)
    console.wait_focus("username")
    console.type("admin")
    console.key("Tab")
    for attempt in range(1, 7):
        console.type(f"not-the-password-{attempt}")
        console.key("Return")
        expected = WRONG if attempt <= 5 else "Too many failed sign-ins. Try again in"
        window = console.wait_window(
            SIGN_IN,
            lambda w, e=expected, a=attempt: any(label.startswith(e) for label in w["labels"])
            and ("Sign in" in w["buttons"]),
        )
        assert console.focus().get("name") == "password", window
        console.key("ctrl+a", "BackSpace")
    # Still there: a refused sign-in never closes the dialog or ends the program.
    console.assert_running()
    assert console.window(MAIN) is not None
