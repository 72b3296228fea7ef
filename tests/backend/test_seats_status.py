"""Set status includes Available (issue 14, item 1): for one user and in bulk; a live call
goes on when a supervisor sets Break, DND, Meeting or Other."""

from __future__ import annotations

import httpx

from contact_center.testing.server import ServerThread
from tests.support.backend import agent_in, assert_problem, row, wait_job


def test_available_from_break_dnd_meeting_other(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    for i, status in enumerate(["break", "dnd", "meeting", "other"]):
        uid = agent_in(server, status, index=i)
        r = supervisor.put(
            f"/users/{uid}/status", json={"status": "available", "expected_status": status}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["user"]["status"] == "available"
        assert body["user"]["status_text"] is None
        assert body["message"].endswith(" is now Available.")
        assert body["live_call_continues"] is None


def test_available_refused_when_available_busy_unavailable_offline(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    cases = {
        "available": "is already Available.",
        "busy": "is Busy: use Reset dialer status to make them Available.",
        "unavailable": "is Unavailable: use Reset dialer status to make them Available.",
        "offline": "is Offline; a status can only be set for a signed-in user.",
    }
    for i, (status, text) in enumerate(cases.items()):
        uid = agent_in(server, status, index=i)
        before = row(supervisor, uid)
        r = supervisor.put(f"/users/{uid}/status", json={"status": "available"})
        body = assert_problem(r, 409, text)
        assert body["current"] == before
        assert row(supervisor, uid) == before


def test_break_on_a_live_call_says_the_call_goes_on(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    uid = agent_in(server, "available", live_call=True)
    before = row(supervisor, uid)
    r = supervisor.put(f"/users/{uid}/status", json={"status": "break"})
    assert r.status_code == 200, r.text
    body = r.json()
    name = f"{before['first_name']} {before['last_name']}"
    assert body["live_call_continues"] is True
    assert body["message"] == (
        f"{name} is now Break. The call with +15550009999 goes on; "
        f"{name} gets no queue calls until Available."
    )
    assert body["user"]["live_call"] == before["live_call"]
    assert body["user"]["status"] == "break"


def test_bulk_set_available_preview_and_job_agree(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    ids = [
        agent_in(server, "break", index=0),
        agent_in(server, "dnd", index=1, live_call=True),
        agent_in(server, "busy", index=2),
        agent_in(server, "available", index=3),
    ]
    spec = {"action": "set-status", "scope": {"kind": "ids", "ids": ids}}
    spec["params"] = {"status": "available"}
    preview = supervisor.post("/bulk-jobs/preview", json=spec).json()
    assert preview == {
        "total": 4,
        "will_change": 2,
        "skipped": {"Busy: use Reset dialer status": 1, "already Available": 1},
        "live_calls": 0,
        "calls_continue": 1,
    }
    r = supervisor.post("/bulk-jobs", json=spec)
    assert r.status_code == 202, r.text
    job = wait_job(supervisor, r.json()["id"])
    assert (job["done"], job["skipped"]) == (2, 2)
    assert [row(supervisor, uid)["status"] for uid in ids] == [
        "available", "available", "busy", "available",
    ]  # fmt: skip


def test_bulk_set_break_counts_calls_that_go_on(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    ids = [agent_in(server, "available", index=i, live_call=i < 2) for i in range(3)]
    spec = {
        "action": "set-status",
        "scope": {"kind": "ids", "ids": ids},
        "params": {"status": "meeting"},
    }
    preview = supervisor.post("/bulk-jobs/preview", json=spec).json()
    assert (preview["will_change"], preview["live_calls"], preview["calls_continue"]) == (3, 0, 2)
    other = supervisor.post(
        "/bulk-jobs/preview", json={**spec, "action": "logout", "params": {}}
    ).json()
    assert other["live_calls"] == 2
    assert "calls_continue" not in other
