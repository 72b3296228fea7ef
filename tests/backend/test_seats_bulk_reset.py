"""Bulk reset (issue 14, item 5; seed 003 "Reset Multiple Users"): the six options for every
user, a recycle for those given details; admin only; the preview and the job agree."""

from __future__ import annotations

import time
from typing import Any

import httpx
from sqlalchemy import select

from contact_center.storage.tables import outbox, voicemails
from contact_center.testing.server import ServerThread
from tests.support.backend import agent_in, assert_problem, row, sql_rows

OPTIONS = {
    "delete_voicemail": True, "delete_greetings": True, "delete_answering_rules": False,
    "delete_custom_contacts": False, "unassign_phone_number": False, "remove_lines": False,
}  # fmt: skip


def wait_reset_job(client: httpx.Client, job_id: int, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(f"/bulk-jobs/{job_id}").json()
        if job["state"] in ("done", "cancelled"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def test_bulk_reset_and_recycle(server: ServerThread, admin: httpx.Client) -> None:
    plain = agent_in(server, "available", index=0)
    recycled = agent_in(server, "busy", index=1, live_call=True, sessions=2)
    also = agent_in(server, "break", index=2)
    ids = [plain, recycled, also, 1]  # 1: the admin's own account, skipped
    body = {
        "action": "reset",
        "scope": {"kind": "ids", "ids": ids},
        "params": {
            **OPTIONS,
            "recycle_details": {
                str(recycled): {
                    "first_name": "Grace", "last_name": "Hopper",
                    "email": "grace@example.com", "send_welcome_email": True,
                },
                str(also): {
                    "first_name": "Alan", "last_name": "Turing", "email": None,
                    "keep_assignments": True,
                },
            },
        },
    }  # fmt: skip
    skills_kept = row(admin, also)["skills"]
    preview = admin.post("/bulk-jobs/preview", json=body).json()
    assert preview == {
        "total": 4,
        "will_change": 3,
        "skipped": {"your own account": 1},
        "live_calls": 1,  # the recycled user's call ends
    }
    r = admin.post("/bulk-jobs", json=body)
    assert r.status_code == 202, r.text
    job = wait_reset_job(admin, r.json()["id"])
    assert (job["done"], job["skipped"], job["failed"]) == (3, 1, 0)
    a, b, c = row(admin, plain), row(admin, recycled), row(admin, also)
    assert (a["first_name"], a["email"]) == ("", None)  # reset, not recycled
    assert (b["first_name"], b["last_name"], b["email"]) == ("Grace", "Hopper", "grace@example.com")
    assert (b["status"], b["session_count"], b["live_call"], b["skills"]) == (
        "offline",
        0,
        None,
        [],
    )
    assert (c["first_name"], c["email"], c["skills"]) == ("Alan", None, skills_kept)
    assert sql_rows(server, select(voicemails).where(voicemails.c.user_id.in_(ids[:3]))) == []
    [email] = sql_rows(server, select(outbox))
    assert (email["to_addr"], email["user_id"], email["state"]) == (
        "grace@example.com", recycled, "queued",
    )  # fmt: skip
    entries = admin.get("/audit", params={"job_id": job["id"]}).json()
    assert sorted(e["target_id"] for e in entries if e["action"] == "reset") == sorted(ids[:3])


def test_bulk_reset_is_for_admins(server: ServerThread, supervisor: httpx.Client) -> None:
    uid = agent_in(server, "available")
    body = {"action": "reset", "scope": {"kind": "ids", "ids": [uid]}, "params": OPTIONS}
    assert_problem(supervisor.post("/bulk-jobs/preview", json=body), 403, "reset and recycle")
    assert_problem(supervisor.post("/bulk-jobs", json=body), 403, "reset and recycle")


def test_bad_recycle_details_are_named_before_anything_runs(
    server: ServerThread, admin: httpx.Client
) -> None:
    a = agent_in(server, "available", index=0)
    b = agent_in(server, "available", index=1)
    other = row(admin, agent_in(server, "available", index=2))
    before = [row(admin, a), row(admin, b)]

    def details(**by_id: dict[str, Any]) -> dict[str, Any]:
        return {
            "action": "reset",
            "scope": {"kind": "ids", "ids": [a, b]},
            "params": {"recycle_details": {k.removeprefix("u"): v for k, v in by_id.items()}},
        }

    same = {"first_name": "A", "last_name": "B", "email": "same@example.com"}
    r = admin.post(
        "/bulk-jobs",
        json=details(**{f"u{a}": same, f"u{b}": {**same, "email": "SAME@example.com"}}),
    )
    body = assert_problem(r, 422, "as well")
    assert body["errors"] == {
        f"recycle_details.{b}.email": f"The email SAME@example.com is given to user {a} as well."
    }
    bad = {"first_name": " ", "last_name": "B", "email": other["email"].upper()}
    r = admin.post("/bulk-jobs/preview", json=details(**{f"u{a}": bad, "uxyz": same}))
    body = assert_problem(r, 422)
    name = f"{other['first_name']} {other['last_name']} ({other['username']})"
    assert body["errors"] == {
        f"recycle_details.{a}.first_name": "Recycling needs the new user's first name.",
        f"recycle_details.{a}.email": f"The email {other['email'].upper()} is already used by {name}.",
        "recycle_details.xyz": "Keys must be user ids (1 to 2147483647).",
    }
    other_action = {"action": "logout", "scope": {"kind": "ids", "ids": [a]}}
    r = admin.post("/bulk-jobs", json={**other_action, "params": {"recycle_details": {}}})
    assert_problem(r, 422, "recycle_details is for the reset action only.")
    assert [row(admin, a), row(admin, b)] == before
