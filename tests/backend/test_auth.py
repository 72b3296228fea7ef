"""Sign-in, tokens, roles: 401 and 403 are distinct and readable."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from contact_center.domain import auth
from contact_center.storage.tables import api_tokens, users
from contact_center.testing.server import ServerThread
from tests.support.accounts import ADMIN_PW, SUPER_PW
from tests.support.backend import (
    agent_in,
    arrange,
    assert_problem,
    client_for,
    login,
    sql_rows,
    store_of,
)


def test_login_answers_token_role_and_expiry(server: ServerThread, anon: httpx.Client) -> None:
    r = anon.post("/auth/login", json={"username": "supervisor", "password": SUPER_PW})
    assert r.status_code == 200
    body = r.json()
    assert body["role"] == "supervisor"
    assert body["username"] == "supervisor"
    assert body["user_id"] == 2
    assert len(body["token"]) >= 32
    assert body["expires_at"].endswith("+00:00")
    with client_for(server, body["token"]) as c:
        assert c.get("/users").status_code == 200


def test_wrong_password_is_401(anon: httpx.Client) -> None:
    r = anon.post("/auth/login", json={"username": "admin", "password": "nope"})
    assert_problem(r, 401, "Wrong username or password")
    r = anon.post("/auth/login", json={"username": "nobody", "password": "nope"})
    assert_problem(r, 401, "Wrong username or password")


def test_agent_signs_in_but_cannot_use_the_console_api(
    server: ServerThread, anon: httpx.Client
) -> None:
    # Issue 13: agents sign in (200, role "agent"); the console refuses them itself.
    uid = agent_in(server, "available")
    arrange(server, uid, password_hash=auth.hash_password("agent-pw"))
    username = sql_rows(server, select(users.c.username).where(users.c.id == uid))[0]["username"]
    r = anon.post("/auth/login", json={"username": username, "password": "agent-pw"})
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "agent"
    with client_for(server, r.json()["token"]) as c:
        body = assert_problem(c.get("/users"), 403, "Agents cannot use")
        assert body["reason"] == "agent"


def test_deactivated_account_is_403(server: ServerThread, anon: httpx.Client) -> None:
    arrange(server, 2, active=False)
    r = anon.post("/auth/login", json={"username": "supervisor", "password": SUPER_PW})
    assert_problem(r, 403, "deactivated")


def test_missing_bad_and_revoked_tokens_are_401(server: ServerThread, anon: httpx.Client) -> None:
    assert_problem(anon.get("/users"), 401, "Sign in")
    with client_for(server, "not-a-token") as bad:
        assert_problem(bad.get("/users"), 401, "Sign in again")
    r = anon.get("/users", headers={"Authorization": "Basic abc"})
    assert_problem(r, 401)
    token = login(server, "admin", ADMIN_PW)
    with client_for(server, token) as c:
        assert c.get("/users").status_code == 200
        assert c.post("/auth/logout").status_code == 204
        assert_problem(c.get("/users"), 401, "expired or was revoked")
        assert_problem(c.post("/users/3/reset-dialer", json={}), 401)


def test_supervisor_gets_403_with_readable_reason(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    before = supervisor.get(f"/users/{uid}").json()
    assert_problem(supervisor.delete(f"/users/{uid}"), 403)
    assert supervisor.delete(f"/users/{uid}").json()["detail"] == (
        "Your role (supervisor) cannot delete users."
    )
    for path, verb in [
        ("deactivate", "deactivate users"),
        ("reset-password", "reset passwords"),
        ("reset-2fa", "reset two-factor authentication"),
        ("reset", "reset and recycle users"),
    ]:
        r = supervisor.post(f"/users/{uid}/{path}", json={})
        assert r.json()["detail"] == f"Your role (supervisor) cannot {verb}."
    assert supervisor.get(f"/users/{uid}").json() == before


def test_expired_token_is_401(server: ServerThread) -> None:
    token = login(server, "supervisor", SUPER_PW)
    with store_of(server).write() as conn:
        conn.execute(update(api_tokens).values(expires_at=time.time() - 1))
    with client_for(server, token) as c:
        assert_problem(c.get("/users"), 401, "expired")


def test_deactivated_user_token_stops_working(server: ServerThread, admin: httpx.Client) -> None:
    token = login(server, "supervisor", SUPER_PW)
    r = admin.post("/users/2/deactivate", json={"expected_status": "available"})
    assert r.status_code == 200, r.text
    with client_for(server, token) as c:
        assert_problem(c.get("/users"), 401)


def test_rate_limit_after_five_failures(anon: httpx.Client) -> None:
    for _ in range(5):
        r = anon.post("/auth/login", json={"username": "admin", "password": "wrong"})
        assert r.status_code == 401
    r = anon.post("/auth/login", json={"username": "admin", "password": ADMIN_PW})
    assert_problem(r, 429, "Too many failed sign-ins")
    assert int(r.headers["Retry-After"]) > 0
    # another account from the same address is not locked out
    r = anon.post("/auth/login", json={"username": "supervisor", "password": SUPER_PW})
    assert r.status_code == 200


def test_passwords_are_stored_as_scrypt_hashes(server: ServerThread) -> None:
    found = sql_rows(server, select(users.c.username, users.c.password_hash))
    stored = {r["username"]: r["password_hash"] for r in found}
    assert stored["admin"].startswith("scrypt$")
    assert ADMIN_PW not in stored["admin"]
    assert stored["supervisor"].startswith("scrypt$")
    assert SUPER_PW not in stored["supervisor"]
    assert auth.verify_password(ADMIN_PW, stored["admin"])
    assert not auth.verify_password(SUPER_PW, stored["admin"])
    assert stored["admin"] != auth.hash_password(ADMIN_PW)  # salted
    tokens = sql_rows(server, select(api_tokens.c.token_hash))
    assert all(len(t["token_hash"]) == 64 for t in tokens)


def test_a_token_stops_working_for_a_user_demoted_to_agent(
    server: ServerThread, admin: httpx.Client
) -> None:
    token = login(server, "supervisor", SUPER_PW)
    body = {"action": "set-role", "scope": {"kind": "ids", "ids": [2]}, "params": {"role": "agent"}}
    job = admin.post("/bulk-jobs", json=body).json()
    deadline = time.monotonic() + 5
    while admin.get(f"/bulk-jobs/{job['id']}").json()["state"] != "done":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert admin.get("/users/2").json()["role"] == "agent"
    # A role change ends the user's tokens (docs/API.md, "Authority"), saying who (issue 13).
    with client_for(server, token) as c:
        assert_problem(c.get("/users"), 401, "signed out by Alex Admin (admin)")
        assert_problem(c.post("/users/3/reset-dialer", json={}), 401, "signed out by")


def test_an_unknown_username_still_costs_a_password_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """No timing oracle: a wrong username runs the KDF like a wrong password does."""
    calls: list[str] = []
    real = hashlib.scrypt

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append("scrypt")
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)  # the very module auth calls
    assert auth.verify_password("guess", None) is False
    assert calls == ["scrypt"]
