"""Issue 13: every sign-in is a session; sign-out and force logout end it and say who
(docs/API.md, "Sessions"; docs/rules.md, "Sessions")."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import select, update

from contact_center.storage.tables import api_tokens, sessions
from contact_center.testing.server import ServerThread
from tests.backend.accounts_support import CONSOLE, problem, session_rows, signed_in
from tests.support.accounts import ADMIN_PW, SUPER_PW
from tests.support.backend import agent_in, arrange, client_for, sql_rows, store_of


def test_a_console_sign_in_is_a_session(server: ServerThread, admin: httpx.Client) -> None:
    arrange(server, 2, status="offline", session_count=0)
    before = admin.get("/users/2").json()
    body = signed_in(server, "supervisor", SUPER_PW, headers=CONSOLE)
    after = admin.get("/users/2").json()
    assert (after["session_count"], after["status"]) == (1, "available")
    assert after["version"] > before["version"]
    listed = admin.get("/users/2/sessions").json()
    assert len(listed) == 1
    one = listed[0]
    assert (one["kind"], one["client"], one["address"]) == (
        "console",
        "supervisor-console/0.1.0",
        "127.0.0.1",
    )
    assert one["started_at"].endswith("+00:00")
    assert one["last_seen"].endswith("+00:00")
    stored = sql_rows(server, select(api_tokens.c.session_id, api_tokens.c.user_id))
    assert {"session_id": one["id"], "user_id": 2} in stored
    assert body["token"]


def test_an_api_sign_in_names_its_user_agent(server: ServerThread, admin: httpx.Client) -> None:
    agent = "scripted-client/" + "x" * 100
    signed_in(server, "supervisor", SUPER_PW, headers={"User-Agent": agent})
    made = [s for s in admin.get("/users/2/sessions").json() if s["kind"] == "api"]
    assert len(made) == 1
    assert made[0]["client"] == agent[:64]


def test_seeded_sessions_are_devices(server: ServerThread) -> None:
    kinds = {r["kind"] for r in sql_rows(server, select(sessions.c.kind))}
    assert kinds == {"device"}


def test_signing_out_ends_the_session_and_the_last_one_goes_offline(
    server: ServerThread, admin: httpx.Client
) -> None:
    arrange(server, 2, status="offline", session_count=0)
    token = signed_in(server, "supervisor", SUPER_PW, headers=CONSOLE)["token"]
    with client_for(server, token) as c:
        assert c.post("/auth/logout").status_code == 204
        body = problem(c.get("/users"), 401, "revoked")
        assert body["detail"] == "Your sign-in has expired or was revoked. Sign in again."
    after = admin.get("/users/2").json()
    assert (after["session_count"], after["status"]) == (0, "offline")
    assert session_rows(server, 2) == []


def test_force_logout_of_a_signed_in_supervisor(server: ServerThread, admin: httpx.Client) -> None:
    arrange(server, 2, status="offline", session_count=0)
    token = signed_in(server, "supervisor", SUPER_PW, headers=CONSOLE)["token"]
    r = admin.post("/users/2/logout", json={})
    assert r.status_code == 200, r.text  # was 409 "no active sessions" before issue 13
    assert r.json()["ended_sessions"] == 1
    assert (r.json()["user"]["session_count"], r.json()["user"]["status"]) == (0, "offline")
    with client_for(server, token) as c:
        body = problem(c.get("/users"), 401, "signed_out")
        assert body["by"] == "Alex Admin (admin)"
        assert body["detail"] == "You were signed out by Alex Admin (admin)."


def test_force_logout_of_one_session_revokes_only_its_token(
    server: ServerThread, admin: httpx.Client
) -> None:
    arrange(server, 2, status="offline", session_count=0)
    first = signed_in(server, "supervisor", SUPER_PW, headers=CONSOLE)["token"]
    second = signed_in(server, "supervisor", SUPER_PW)["token"]
    api = next(s for s in admin.get("/users/2/sessions").json() if s["kind"] == "api")
    r = admin.post("/users/2/logout", json={"session_id": api["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["session_count"] == 1
    with client_for(server, second) as c:
        assert problem(c.get("/users"), 401, "signed_out")["by"] == "Alex Admin (admin)"
    with client_for(server, first) as c:
        assert c.get("/users").status_code == 200


def test_an_expired_sign_in_says_so_and_its_session_is_not_listed(
    server: ServerThread, admin: httpx.Client
) -> None:
    token = signed_in(server, "supervisor", SUPER_PW, headers=CONSOLE)["token"]
    with store_of(server).write() as conn:
        conn.execute(
            update(api_tokens).where(api_tokens.c.user_id == 2).values(expires_at=time.time() - 1)
        )
    with client_for(server, token) as c:
        body = problem(c.get("/users"), 401, "expired")
        assert body["detail"] == "Your sign-in has expired. Sign in again."
    assert [s["kind"] for s in admin.get("/users/2/sessions").json()] == ["device"]
    found = admin.get("/sessions", params={"role": "supervisor"}).json()["sessions"]
    assert [s["kind"] for s in found] == ["device"]
    # The next sign-in sweeps it away: the row no longer counts it.
    signed_in(server, "admin", ADMIN_PW)
    assert admin.get("/users/2").json()["session_count"] == 1


def test_everyones_sessions(server: ServerThread, admin: httpx.Client) -> None:
    signed_in(server, "supervisor", SUPER_PW, headers=CONSOLE)
    uid = agent_in(server, "available", sessions=2)
    r = admin.get("/sessions")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["server_time"].endswith("+00:00")
    found = body["sessions"]
    assert found[0]["username"] == "supervisor"  # newest first
    assert set(found[0]) == {
        "id", "user_id", "username", "name", "role", "kind", "client", "address",
        "started_at", "last_seen",
    }  # fmt: skip
    assert found[0]["name"] == "Sky Supervisor"
    assert [s["started_at"] for s in found] == sorted(
        (s["started_at"] for s in found), reverse=True
    )
    assert len(found) == len(sql_rows(server, select(sessions.c.id)))
    consoles = admin.get("/sessions", params={"kind": "console"}).json()["sessions"]
    assert [(s["username"], s["kind"]) for s in consoles] == [("supervisor", "console")]
    agents = admin.get("/sessions", params={"role": "agent"}).json()["sessions"]
    assert agents
    assert {s["role"] for s in agents} == {"agent"}
    name = next(s["username"] for s in found if s["user_id"] == uid)
    mine = admin.get("/sessions", params={"search": name.upper()}).json()["sessions"]
    assert {s["user_id"] for s in mine} == {uid}
    assert len(mine) == 2
    by_client = admin.get("/sessions", params={"search": "console/0.1"}).json()["sessions"]
    assert [s["kind"] for s in by_client] == ["console"]
    assert admin.get("/sessions", params={"search": "100%_"}).json()["sessions"] == []
    assert len(admin.get("/sessions", params={"limit": 3}).json()["sessions"]) == 3
    assert admin.get("/sessions", params={"limit": 5001}).status_code == 422
    assert admin.get("/sessions", params={"kind": "fax"}).status_code == 422


def test_last_seen_is_written_at_most_once_a_minute(server: ServerThread) -> None:
    body = signed_in(server, "supervisor", SUPER_PW, headers=CONSOLE)
    sid = next(s["id"] for s in session_rows(server, 2) if s["kind"] == "console")

    def age_it() -> None:
        with store_of(server).write() as conn:
            conn.execute(update(sessions).where(sessions.c.id == sid).values(last_seen=1000.0))

    def last_seen() -> float:
        seen: float = sql_rows(server, select(sessions.c.last_seen).where(sessions.c.id == sid))[0][
            "last_seen"
        ]
        return seen

    age_it()
    with client_for(server, body["token"]) as c:
        assert c.get("/users/2").status_code == 200
        assert last_seen() == 1000.0  # the sign-in wrote it less than a minute ago
        assert server.app is not None
        server.app.state.seen_marks[sid] -= 61  # a minute later
        assert c.get("/users/2").status_code == 200
        assert last_seen() > time.time() - 60
        age_it()
        assert c.get("/users/2").status_code == 200
        assert last_seen() == 1000.0
