"""Issue 13: agents sign in through the API and may set their own status, nothing more
(docs/API.md, "Agents"; docs/rules.md, "An agent's own status")."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from contact_center.storage.tables import audit
from contact_center.testing.server import ServerThread
from tests.backend.accounts_support import AGENT_PW, agent_with_password, problem, signed_in
from tests.support.backend import arrange, client_for, sql_rows

REFUSED = "Agents cannot use the supervisor console's reads or actions."


def test_an_agent_signs_in_and_is_refused_every_read_and_action(server: ServerThread) -> None:
    uid, username = agent_with_password(server)
    body = signed_in(server, username, AGENT_PW)
    assert (body["role"], body["user_id"], body["username"]) == ("agent", uid, username)
    with client_for(server, body["token"]) as c:
        me = c.get("/auth/me")
        assert me.status_code == 200
        assert me.json()["role"] == "agent"
        calls = [
            ("GET", "/users", None), ("GET", f"/users/{uid}", None),
            ("GET", f"/users/{uid}/sessions", None), ("GET", "/sessions", None),
            ("GET", "/changes?since=0&wait=0", None), ("GET", "/audit", None),
            ("POST", f"/users/{uid}/reset-dialer", {}), ("POST", f"/users/{uid}/logout", {}),
            ("PUT", f"/users/{uid}/status", {"status": "break"}),
            ("POST", "/bulk-jobs", {"action": "logout", "scope": {"kind": "all"}}),
        ]  # fmt: skip
        for method, path, json in calls:
            got = problem(c.request(method, path, json=json), 403, "agent")
            assert got["detail"] == REFUSED, path
        assert c.post("/auth/logout").status_code == 204


def test_an_agent_sets_their_own_status(server: ServerThread, admin: httpx.Client) -> None:
    uid, username = agent_with_password(server, "available")
    token = signed_in(server, username, AGENT_PW)["token"]
    with client_for(server, token) as c:
        r = c.put("/me/status", json={"status": "break"})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "break"
        assert admin.get(f"/users/{uid}").json()["status"] == "break"
        r = c.put("/me/status", json={"status": "other", "text": " Coaching "})
        assert (r.json()["status"], r.json()["status_text"]) == ("other", "Coaching")
        assert problem(c.put("/me/status", json={"status": "other"}), 422)["detail"] == (
            "A status of Other needs a text saying what it is."
        )
        assert c.put("/me/status", json={"status": "busy"}).status_code == 422
        assert c.put("/me/status", json={"status": "available"}).json()["status"] == "available"
        arrange(server, uid, status="busy", live_call=True)
        problem(c.put("/me/status", json={"status": "break"}), 409)
        arrange(server, uid, status="offline", live_call=False)
        problem(c.put("/me/status", json={"status": "break"}), 409)
        assert admin.get(f"/users/{uid}").json()["status"] == "offline"
    found = sql_rows(server, select(audit.c.actor, audit.c.action).where(audit.c.target_id == uid))
    assert found.count({"actor": username, "action": "set-own-status"}) == 3


def test_an_offline_agent_who_signs_in_is_available(
    server: ServerThread, admin: httpx.Client
) -> None:
    uid, username = agent_with_password(server, "offline")
    assert admin.get(f"/users/{uid}").json()["session_count"] == 0
    signed_in(server, username, AGENT_PW)
    row = admin.get(f"/users/{uid}").json()
    assert (row["status"], row["session_count"]) == ("available", 1)
