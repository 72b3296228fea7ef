"""The floor at a glance (issue 15) through the installed console: an admin lowers the Break
limit on the server; a supervisor's console escalates the row and announces the alert, and
F6 shows only the rows over a limit."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.e2e_driver import Backend, Console
from tests.e2e.e2e_floor import Floor
from tests.e2e.test_e2e import MAIN, signed_in_console


def put_limits(backend: Backend, body: dict[str, Any]) -> int:
    admin = {"Authorization": f"Bearer {backend.token('admin')}"}
    url = f"{backend.url}/api/v1/settings/thresholds"
    version = httpx.get(url, headers=admin, timeout=10).json()["version"]
    answer = httpx.put(url, json=body, headers={**admin, "If-Match": str(version)}, timeout=10)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["version"])


def test_a_lower_break_limit_escalates_the_row_and_alerts(
    console: Console, backend: Backend, floor: Floor
) -> None:
    signed_in_console(console, backend)
    console.wait_main(lambda w: w["thresholds_loaded"], "the server's limits")
    name = floor.agent_names[floor.break_id]
    version = put_limits(backend, {"thresholds": {"break": {"warn_s": 1, "alert_s": 2}}})
    main = console.wait_main(
        lambda w: w["thresholds_version"] == version and w["over_limits"]["alert"] >= 1,
        "the new limits to reach the console",
    )
    alert = console.wait_main(lambda w: "over the Break limit" in w["last_alert"], "the alert")
    assert name in alert["last_alert"] or "agents over the Break limit" in alert["last_alert"]
    console.focus_window(MAIN)
    console.key("F6")
    over = main["over_limits"]["warn"] + main["over_limits"]["alert"]
    shown = console.wait_main(lambda w: w["exceptions_only"], "the Over limits filter")
    assert shown["rows_shown"] >= 1
    assert shown["rows_shown"] <= over + 1
    # A supervisor reads the limits; only an admin changes them.
    console.key("alt+v", "t")
    limits = console.wait_window("Time limits")
    assert any("Only an admin can change them." in label for label in limits["labels"])
    assert "Close" in limits["buttons"]


def test_a_saved_view_follows_the_supervisor(console: Console, backend: Backend) -> None:
    """Views ▸ Save the current view as…, then Ctrl+1 brings it back (issue 15, item 4); it
    is kept on the server, under the supervisor's name."""
    signed_in_console(console, backend)
    console.key("F4")  # stuck dialers only: the view to keep
    console.wait_main(lambda w: w["stuck_only"], "the stuck filter")
    console.key("alt+w", "s")  # Views ▸ Save the current view as…
    console.wait_window("Save the current view")
    console.focus_window("Save the current view")
    console.type("Stuck only")
    console.key("Return")
    console.wait_main(lambda w: w["status_message"] == "View saved: Stuck only.", "saved")
    console.focus_window(MAIN)
    console.key("F4")  # off again
    console.wait_main(lambda w: not w["stuck_only"], "the filter off")
    console.key("ctrl+1")
    console.wait_main(lambda w: w["stuck_only"] and w["rows_shown"] == 1, "the view back")
    views = httpx.get(
        f"{backend.url}/api/v1/views",
        headers={"Authorization": f"Bearer {backend.token('supervisor')}"},
        timeout=10,
    ).json()["views"]
    assert [v["name"] for v in views] == ["Stuck only"]
