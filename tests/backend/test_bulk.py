"""Bulk jobs: preview counts, per-user results, roles, cancel, stale rows, scopes."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx
import pytest

from contact_center.domain import bulk
from contact_center.testing.server import ServerThread
from tests.support.backend import (
    agent_ids,
    agent_in,
    arrange,
    assert_problem,
    row,
    store_of,
    wait_job,
)


def run_job(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/bulk-jobs", json=body)
    assert r.status_code == 202, r.text
    job = wait_job(client, r.json()["id"])
    assert job["total"] == r.json()["total"]
    return job


def statuses(client: httpx.Client) -> Counter[str]:
    return Counter(u["status"] for u in client.get("/users").json()["users"])


def test_preview_reset_dialer_over_all(server: ServerThread, supervisor: httpx.Client) -> None:
    ids = agent_ids(server)
    agent_in(server, "busy", live_call=True, index=0)
    agent_in(server, "busy", live_call=False, index=1)
    agent_in(server, "unavailable", index=2)
    seen = statuses(supervisor)
    live = sum(
        1
        for u in supervisor.get("/users").json()["users"]
        if u["status"] == "busy" and u["live_call"]
    )
    body = {"action": "reset-dialer", "scope": {"kind": "all"}}
    preview = supervisor.post("/bulk-jobs/preview", json=body).json()
    resettable = seen["busy"] + seen["unavailable"]  # the staff (both Available) not among them
    assert preview == {
        "total": len(ids) + 2,
        "will_change": resettable,
        # A supervisor acts on agents: the admin's and the caller's own account are skipped.
        "skipped": {
            "not Unavailable or Busy": len(ids) - resettable,
            "admin account": 1,
            "supervisor account": 1,
        },
        "live_calls": live,
    }
    job = run_job(supervisor, body)
    assert job["state"] == "done"
    assert job["actor"] == "supervisor"
    assert (job["done"], job["skipped"], job["failed"]) == (
        resettable, len(ids) + 2 - resettable, 0,
    )  # fmt: skip
    assert len(job["results"]) == job["total"]
    reasons = {r["reason"] for r in job["results"] if r["outcome"] == "skipped"}
    assert reasons == {"not Unavailable or Busy", "admin account", "supervisor account"}
    after = statuses(supervisor)
    assert after["busy"] == after["unavailable"] == 0
    assert after["available"] == seen["available"] + resettable
    assert all(r["name"] for r in job["results"])


def test_job_audit_records_carry_the_job_id(server: ServerThread, admin: httpx.Client) -> None:
    ids = agent_ids(server)[:4]
    job = run_job(
        admin,
        {"action": "add-tags", "scope": {"kind": "ids", "ids": ids}, "params": {"values": ["vip"]}},
    )
    assert job["done"] == 4
    assert [r["user_id"] for r in job["results"]] == ids
    assert all("vip" in row(admin, uid)["tags"] for uid in ids)
    entries = admin.get("/audit", params={"job_id": job["id"]}).json()
    assert sorted(e["target_id"] for e in entries) == ids
    assert {(e["action"], e["actor"], e["job_id"]) for e in entries} == {
        ("add-tags", "admin", job["id"])
    }
    # nothing left to add: every user is skipped with the reason
    again = run_job(
        admin,
        {"action": "add-tags", "scope": {"kind": "ids", "ids": ids}, "params": {"values": ["vip"]}},
    )
    assert again["skipped"] == 4
    assert {r["reason"] for r in again["results"]} == {"tags already so"}


def test_supervisor_cannot_run_admin_bulk_actions(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    before = supervisor.get("/users").json()["users"]
    for action, params in [
        ("delete", {}), ("deactivate", {}), ("set-role", {"role": "admin"}),
        ("add-skills", {"values": ["x"]}),
    ]:  # fmt: skip
        body = {"action": action, "scope": {"kind": "all"}, "params": params}
        r = supervisor.post("/bulk-jobs/preview", json=body)
        assert_problem(r, 403, "Your role (supervisor)")
        assert_problem(supervisor.post("/bulk-jobs", json=body), 403, "Your role (supervisor)")
    assert supervisor.get("/users").json()["users"] == before


def test_stale_rows_are_skipped(server: ServerThread, admin: httpx.Client) -> None:
    ids = [agent_in(server, "unavailable", index=i) for i in range(3)]
    body: dict[str, Any] = {"action": "reset-dialer", "scope": {"kind": "ids", "ids": ids}}
    assert admin.post("/bulk-jobs/preview", json=body).json()["will_change"] == 3
    seen = {uid: row(admin, uid)["version"] for uid in ids}
    # the middle user changes after the preview
    assert admin.put(f"/users/{ids[1]}/status", json={"status": "break"}).status_code == 200
    body["expected_versions"] = {str(uid): v for uid, v in seen.items()}
    job = run_job(admin, body)
    outcomes = [(r["user_id"], r["outcome"]) for r in job["results"]]
    assert outcomes == [(ids[0], "done"), (ids[1], "skipped"), (ids[2], "done")]
    reason = job["results"][1]["reason"]
    assert "changed since you looked" in reason
    assert f"you saw version {seen[ids[1]]}" in reason
    assert row(admin, ids[1])["status"] == "break"


def test_scopes(server: ServerThread, admin: httpx.Client) -> None:
    ids = agent_ids(server)
    for i, uid in enumerate(ids[:6]):
        arrange(server, uid, desks=["Night"] if i < 3 else ["Day"], status="available",
                session_count=1, active=True)  # fmt: skip

    def preview(scope: dict[str, Any]) -> dict[str, Any]:
        body = {"action": "add-tags", "scope": scope, "params": {"values": ["zz"]}}
        r = admin.post("/bulk-jobs/preview", json=body)
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    assert preview({"kind": "all"})["total"] == len(ids) + 2
    assert preview({"kind": "filter", "filter": {"desk": "Night"}})["total"] == 3
    found = preview({"kind": "filter", "filter": {"desk": "Day", "statuses": ["available"]}})
    assert found["total"] == 3
    assert preview({"kind": "filter", "filter": {"role": "supervisor"}})["total"] == 1
    username = row(admin, ids[4])["username"]
    assert preview({"kind": "filter", "filter": {"search": username.upper()}})["total"] == 1
    by_ids = preview({"kind": "ids", "ids": [ids[0], ids[1], 999999]})
    assert by_ids == {"total": 3, "will_change": 2, "skipped": {"no such user": 1}, "live_calls": 0}
    job = run_job(
        admin,
        {"action": "set-desks", "scope": {"kind": "filter", "filter": {"desk": "Night"}},
         "params": {"values": ["Day"]}},
    )  # fmt: skip
    assert job["total"] == job["done"] == 3
    assert preview({"kind": "filter", "filter": {"desk": "Day"}})["total"] == 6


def test_preview_counts_duplicate_ids_once(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "unavailable")
    body = {"action": "reset-dialer", "scope": {"kind": "ids", "ids": [uid, uid, uid]}}
    preview = admin.post("/bulk-jobs/preview", json=body).json()
    assert preview == {"total": 1, "will_change": 1, "skipped": {}, "live_calls": 0}
    assert admin.post("/bulk-jobs", json=body).json()["total"] == 1


def test_bulk_delete_and_logout(server: ServerThread, admin: httpx.Client) -> None:
    ids = agent_ids(server)[:3]
    for uid in ids:
        arrange(server, uid, status="available", session_count=2, active=True)
    job = run_job(admin, {"action": "logout", "scope": {"kind": "ids", "ids": ids}})
    assert job["done"] == 3
    assert all(row(admin, u)["status"] == "offline" for u in ids)
    job = run_job(admin, {"action": "delete", "scope": {"kind": "ids", "ids": ids}})
    assert job["done"] == 3
    assert all(admin.get(f"/users/{u}").status_code == 404 for u in ids)


def test_cancel_skips_what_has_not_started(
    server: ServerThread, admin: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 1)
    store = store_of(server)
    reached, release = threading.Event(), threading.Event()
    commits = Counter[str]()

    def hold_after_first_user() -> None:
        if threading.current_thread().name != "bulk-jobs":
            return
        commits["bulk"] += 1
        if commits["bulk"] == 2:  # 1: job running, 2: first user done
            reached.set()
            release.wait(10)

    store.add_commit_listener(hold_after_first_user)
    try:
        ids = agent_ids(server)[:5]
        r = admin.post(
            "/bulk-jobs",
            json={"action": "add-tags", "scope": {"kind": "ids", "ids": ids},
                  "params": {"values": ["cancel-me"]}},
        )  # fmt: skip
        assert reached.wait(10)
        cancelled = admin.post(f"/bulk-jobs/{r.json()['id']}/cancel")
        assert cancelled.status_code == 200
        assert cancelled.json()["state"] == "running"
    finally:
        release.set()
        store.remove_commit_listener(hold_after_first_user)
    job = wait_job(admin, r.json()["id"])
    assert job["state"] == "cancelled"
    assert job["finished_at"]
    assert [r["outcome"] for r in job["results"]] == ["done"] + ["skipped"] * 4
    assert {r["reason"] for r in job["results"][1:]} == {"cancelled"}
    assert (job["done"], job["skipped"]) == (1, 4)
    assert ["cancel-me" in row(admin, uid)["tags"] for uid in ids] == [True] + [False] * 4
    # cancelling a finished job changes nothing
    assert admin.post(f"/bulk-jobs/{job['id']}/cancel").json() == job


def test_bulk_set_status_by_supervisor(server: ServerThread, supervisor: httpx.Client) -> None:
    online = agent_in(server, "available", index=0)
    offline = agent_in(server, "offline", index=1)
    job = run_job(
        supervisor,
        {"action": "set-status", "scope": {"kind": "ids", "ids": [online, offline]},
         "params": {"status": "meeting"}},
    )  # fmt: skip
    assert [(r["outcome"], r["reason"]) for r in job["results"]] == [
        ("done", None), ("skipped", "Offline"),
    ]  # fmt: skip
    assert row(supervisor, online)["status"] == "meeting"
