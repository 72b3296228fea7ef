"""The audit log: one record per action, who, what, to whom, before, after, request id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from contact_center.storage import tables
from contact_center.testing.server import ServerThread
from tests.support.backend import agent_in, arrange, sql_rows


def audit_rows(server: ServerThread) -> int:
    return int(sql_rows(server, select(func.count().label("n")).select_from(tables.audit))[0]["n"])


def test_every_action_writes_one_record(
    server: ServerThread, admin: httpx.Client, supervisor: httpx.Client
) -> None:
    uid = agent_in(server, "busy", live_call=True, sessions=2, two_factor=True)
    steps: list[tuple[httpx.Client, str, str, str, dict[str, Any]]] = [
        (supervisor, "reset-dialer", "POST", "reset-dialer", {"expected_status": "busy"}),
        (supervisor, "set-status", "PUT", "status", {"status": "other", "text": "Coaching"}),
        (supervisor, "logout", "POST", "logout", {}),
        (admin, "reset-2fa", "POST", "reset-2fa", {}),  # after logout: it ends sessions too
        (admin, "deactivate", "POST", "deactivate", {}),
        (admin, "activate", "POST", "activate", {}),
        (admin, "reset-password", "POST", "reset-password", {"require_change": True}),
        (admin, "reset", "POST", "reset", {"delete_voicemail": True}),
    ]
    for client, action, method, path, body in steps:
        before = client.get(f"/users/{uid}").json()
        n = audit_rows(server)
        r = client.request(method, f"/users/{uid}/{path}", json=body)
        assert r.status_code == 200, (action, r.text)
        assert audit_rows(server) == n + 1, action
        entry = client.get("/audit", params={"limit": 1}).json()[0]
        actor = "admin" if client is admin else "supervisor"
        assert (entry["actor"], entry["action"], entry["target_id"]) == (actor, action, uid)
        assert entry["request_id"] == r.headers["X-Request-ID"]
        assert entry["job_id"] is None
        assert entry["target_name"]
        assert entry["before"]["status"] == before["status"]
        assert entry["after"]["status"] == r.json()["user"]["status"]
        assert "password_hash" not in entry["before"]
        assert "totp_secret" not in entry["after"]
        assert datetime.fromisoformat(entry["at"]) > datetime.now(UTC) - timedelta(minutes=1)
    entries = admin.get("/audit", params={"user_id": uid}).json()
    assert [e["action"] for e in entries] == [s[1] for s in reversed(steps)]
    assert admin.get(f"/users/{uid}/activity").json() == entries
    two_fa = next(e for e in entries if e["action"] == "reset-2fa")
    assert (two_fa["before"]["two_factor"], two_fa["after"]["two_factor"]) == (True, False)
    reset = entries[0]
    assert reset["before"]["first_name"]
    assert reset["after"]["first_name"] == ""


def test_a_refused_action_writes_nothing(server: ServerThread, supervisor: httpx.Client) -> None:
    uid = agent_in(server, "available")
    n = audit_rows(server)
    assert supervisor.post(f"/users/{uid}/reset-dialer", json={}).status_code == 409
    assert supervisor.delete(f"/users/{uid}").status_code == 403
    assert audit_rows(server) == n


def test_filters(server: ServerThread, admin: httpx.Client, supervisor: httpx.Client) -> None:
    a = agent_in(server, "available", index=0)
    b = agent_in(server, "available", index=1)
    arrange(server, b, status="unavailable")
    supervisor.put(f"/users/{a}/status", json={"status": "break"})
    admin.put(f"/users/{b}/status", json={"status": "dnd"})
    admin.post(f"/users/{a}/reset-2fa", json={})  # 409 or 200, either way fine below
    supervisor.put(f"/users/{b}/status", json={"status": "meeting"})
    by_user = admin.get("/audit", params={"user_id": b}).json()
    assert {e["target_id"] for e in by_user} == {b}
    assert len(by_user) == 2
    by_actor = admin.get("/audit", params={"actor": "supervisor"}).json()
    assert [(e["target_id"], e["action"]) for e in by_actor] == [
        (b, "set-status"),
        (a, "set-status"),
    ]
    by_action = admin.get("/audit", params={"action": "set-status", "user_id": a}).json()
    assert len(by_action) == 1
    assert by_action[0]["after"]["status"] == "break"
    assert admin.get("/audit", params={"action": "delete"}).json() == []
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert admin.get("/audit", params={"since": future}).json() == []
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert len(admin.get("/audit", params={"since": past, "until": future}).json()) >= 3
    assert len(admin.get("/audit", params={"limit": 2}).json()) == 2
