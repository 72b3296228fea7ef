"""The installed console, driven by keyboard from outside on a real X server, against a
real `contact-center serve`: what a supervisor does first every day.

Each scenario prints its wall time; the closing note of issue 10 lists them.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.e2e.e2e_driver import Backend, Console, wait_for
from tests.e2e.e2e_floor import ADMIN_PW, AGENTS, SUPER_PW, Floor, prepare
from tests.e2e.e2e_keyring import stored

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

        def refused(w: dict[str, Any], e: str = expected) -> bool:
            return any(label.startswith(e) for label in w["labels"]) and "Sign in" in w["buttons"]

        window = console.wait_window(SIGN_IN, refused)
        assert console.focus().get("name") == "password", window
        console.key("ctrl+a", "BackSpace")
    # Still there: a refused sign-in never closes the dialog or ends the program.
    console.assert_running()
    assert console.window(MAIN) is not None


def signed_in_console(console: Console, backend: Backend) -> dict[str, Any]:
    console.start("--server", backend.url)
    main = sign_in(console, backend, "supervisor", SUPER_PW)
    console.focus_window(MAIN)
    return main


def status_of(backend: Backend, user_id: int) -> str:
    return str(backend.get(f"/users/{user_id}", backend.token())["status"])


def test_reset_a_stuck_dialer_with_four_keys(
    console: Console, backend: Backend, floor: Floor
) -> None:
    signed_in_console(console, backend)
    assert status_of(backend, floor.stuck_id) == "unavailable"
    console.key("F4")  # stuck dialers only
    console.wait_main(lambda w: w["rows_shown"] == 1, "the stuck filter")
    console.key("Down")
    console.wait_main(lambda w: w["current_user"] == floor.stuck_name, "the stuck row")
    console.key("r")
    dialog = console.wait_window(
        "Reset dialer status",
        lambda w: "Are you sure you want to mark this user as Available?" in w["labels"],
    )
    assert dialog["buttons"] == ["Confirm", "Cancel"]
    # The dialog can show before the X server has moved the keyboard to it (no window
    # manager here): a click on it, then its focus must be on Cancel (a destructive action).
    console.focus_window("Reset dialer status")
    wait_for(lambda: console.focus().get("text") == "Cancel", "focus on Cancel")
    console.key("alt+c")
    wait_for(lambda: status_of(backend, floor.stuck_id) == "available", "the reset on the server")
    console.wait_main(lambda w: w["rows_shown"] == 0, "the row to leave the stuck filter")


def test_find_a_user_and_open_the_details(console: Console, backend: Backend, floor: Floor) -> None:
    signed_in_console(console, backend)
    name = next(n for uid, n in floor.agent_names.items() if uid != floor.stuck_id)
    console.key("ctrl+f")
    console.wait_focus("search")
    console.type(name)
    console.wait_main(lambda w: w["rows_shown"] == 1, f"the search for {name}")
    console.key("Return")  # to the first match
    console.wait_main(lambda w: w["current_user"] == name, "the match to be current")
    console.key("Return")  # its details
    console.wait_main(lambda w: w["detail_user"] == name, "the details pane")


def test_sign_out_then_remember_me_survives_a_restart(console: Console, backend: Backend) -> None:
    keyring_file = console.home / "keyring.json"
    signed_in_console(console, backend)  # "Remember me" is on by default
    remembered = list(stored(keyring_file).values())
    assert len(remembered) == 1
    token = remembered[0]
    console.key("alt+s", "o")  # Session ▸ Sign out
    dialog = console.wait_window(SIGN_IN)
    assert dialog is not None
    console.wait_focus("password")  # server and username are kept: only the password
    main = console.main()
    assert main["title"] == MAIN + "not signed in"
    assert main["rows_total"] == 0
    assert stored(keyring_file) == {}  # forgotten here…
    me = httpx.get(
        f"{backend.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert me.status_code == 401  # …and revoked on the server
    console.focus_window(SIGN_IN)
    console.type(SUPER_PW)
    console.key("Return")
    console.wait_main(lambda w: w["title"] == MAIN + backend.url and panel_full(w), "signed in")
    assert len(stored(keyring_file)) == 1
    assert console.close() == 0

    console.start("--server", backend.url)  # a restart: no dialog, straight to the panel
    console.wait_main(lambda w: w["title"] == MAIN + backend.url and panel_full(w), "resumed")
    assert console.window(SIGN_IN) is None
    assert console.close() == 0


def test_switch_server(console: Console, backend: Backend, tmp_path: Any) -> None:
    other_db = tmp_path / "other.db"
    prepare(other_db)
    other = Backend(other_db, ADMIN_PW, SUPER_PW, tmp_path / "other.log")
    other.start()
    try:
        signed_in_console(console, backend)
        console.key("alt+s", "w")  # Session ▸ Switch server…
        console.wait_window(SIGN_IN)
        console.focus_window(SIGN_IN)
        console.wait_focus("server")  # its address selected: typing replaces it
        console.type(other.url)
        console.key("Tab")
        console.key("Tab")  # the username is kept
        console.type(SUPER_PW)
        console.key("Return")
        console.wait_main(lambda w: w["title"] == MAIN + other.url and panel_full(w), "switched")
        assert other.url in console.main()["signed_in_as"]
    finally:
        console.close()
        other.stop()


def test_backend_restart_the_panel_is_live_again_within_5_s(
    console: Console, backend: Backend
) -> None:
    signed_in_console(console, backend)
    backend.kill()
    console.wait_main(lambda w: "stale" in w["banner"], "the stale banner", timeout=15)
    console.wait_main(lambda w: "retrying in" in w["connection"], "the retry countdown")
    console.wait_main(
        lambda w: w["connection"].startswith("Server unreachable, retrying in"),
        "the plain words",
    )
    time.sleep(3)  # down long enough for the backoff to reach its cap
    backend.start()  # returns once the backend answers
    back = time.monotonic()
    console.wait_main(
        lambda w: not w["banner"] and "Connected" in w["connection"] and panel_full(w),
        "the panel to be live again",
        timeout=10,
    )
    recovered = time.monotonic() - back
    print(f"backend back to a live panel: {recovered:.2f} s")
    assert recovered < 5.0


def test_retry_now_after_a_restart(console: Console, backend: Backend) -> None:
    signed_in_console(console, backend)
    backend.kill()
    console.wait_main(
        lambda w: w["connection"].startswith("Server unreachable") and "Retry now" in w["buttons"],
        "the Retry now button",
    )
    backend.start()
    back = time.monotonic()
    console.key("F5")  # Session ▸ Retry connection now
    console.wait_main(
        lambda w: not w["banner"] and "Connected" in w["connection"] and panel_full(w),
        "the panel to be live again",
        timeout=10,
    )
    print(f"backend back to a live panel with Retry now: {time.monotonic() - back:.2f} s")


def test_demo_opens_signed_in_and_quits(console: Console) -> None:
    console.start("--demo", "--users", "60")
    console.wait_main(
        lambda w: (
            w["title"].startswith(MAIN + "http://127.0.0.1:")
            and w["rows_total"] == 62
            and "Connected" in w["connection"]
        ),
        "the demo panel",
        timeout=30,
    )
    console.focus_window(MAIN)  # a click on the window (there is no window manager)
    console.wait_focus("panel")  # the keyboard starts on the panel, not on a filter
    assert console.close() == 0  # Ctrl+Q; the demo backend stops with it


def test_a_supervisor_cannot_reset_an_admin(console: Console, backend: Backend) -> None:
    """Supervisors act on agents (docs/rules.md): on the admin's row the reset key does not
    open a confirmation, the status bar says why, and nothing reaches the server."""
    signed_in_console(console, backend)
    admin = backend.token()  # one sign-in (each is a session, which changes the admin's row)
    before = backend.get("/users/1", admin)
    console.key("ctrl+f")
    console.wait_focus("search")
    console.type("Alex Admin")
    console.wait_main(lambda w: w["rows_shown"] == 1, "the search for the admin")
    console.key("Return")
    console.wait_main(lambda w: w["current_user"] == "Alex Admin", "the admin's row")
    console.key("r")
    reason = "Only an admin can act on an admin's account; supervisors act on agents."
    console.wait_main(lambda w: w["status_message"] == reason, "the reason in the status bar")
    assert console.window("Reset dialer status") is None
    assert backend.get("/users/1", admin)["version"] == before["version"]


def test_a_stuck_dialer_rule_of_ones_own(console: Console, backend: Backend, floor: Floor) -> None:
    """View ▸ Stuck dialer rule…: Unavailable without a call no longer counts; the stuck
    filter empties at once, the status bar says the rule, and a restart keeps it."""
    signed_in_console(console, backend)
    console.key("F4")
    console.wait_main(lambda w: w["rows_shown"] == 1, "the stuck filter")
    console.key("alt+v", "r")
    console.wait_window("Stuck dialer rule")
    console.focus_window("Stuck dialer rule")
    console.wait_focus("stuck_minutes")
    console.type("45")
    console.key("Tab", "Tab")  # Busy, then Unavailable
    console.wait_focus("stuck_unavailable")
    console.key("space", "Return")
    rule = "Stuck dialers now: a call longer than 45 min; Busy without a live call."
    console.wait_main(lambda w: w["status_message"] == rule, "the new rule")
    console.wait_main(lambda w: w["rows_shown"] == 0, "the Unavailable row to leave")
    assert console.close() == 0
    console.start("--server", backend.url)  # remembered: straight to the panel
    main = console.wait_main(lambda w: panel_full(w), "the panel again")
    assert main["stuck_rule"] == "a call longer than 45 min; Busy without a live call"
    assert main["stuck_only"]  # the filter is kept too
    assert main["rows_shown"] == 0
