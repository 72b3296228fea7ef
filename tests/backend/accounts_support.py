"""Helpers for the account tests (issue 13): sign in with every option, agents with a
password, TOTP codes, and the 401/403 reasons."""

from __future__ import annotations

from typing import Any

import httpx
import pyotp
from sqlalchemy import select

from contact_center.domain import auth
from contact_center.storage.tables import sessions, users
from contact_center.testing.server import ServerThread
from tests.support.backend import agent_in, arrange, client_for, sql_rows

AGENT_PW = "agent-pw-long-enough"
CONSOLE = {"X-Client": "supervisor-console/0.1.0"}


def sign_in(
    server: ServerThread,
    username: str,
    password: str,
    otp: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    with client_for(server) as c:
        return c.post("/auth/login", json=body, headers=headers or {})


def signed_in(server: ServerThread, username: str, password: str, **kw: Any) -> dict[str, Any]:
    r = sign_in(server, username, password, **kw)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def agent_with_password(
    server: ServerThread, status: str = "available", index: int = 0, **columns: Any
) -> tuple[int, str]:
    """An agent (id, username) who can sign in with AGENT_PW, without 2FA."""
    columns.setdefault("two_factor", False)
    uid = agent_in(server, status, index=index, **columns)
    arrange(server, uid, password_hash=auth.hash_password(AGENT_PW))
    return uid, username_of(server, uid)


def username_of(server: ServerThread, uid: int) -> str:
    name: str = sql_rows(server, select(users.c.username).where(users.c.id == uid))[0]["username"]
    return name


def user_columns(server: ServerThread, uid: int) -> dict[str, Any]:
    return sql_rows(server, select(users).where(users.c.id == uid))[0]


def session_rows(server: ServerThread, uid: int) -> list[dict[str, Any]]:
    return sql_rows(server, select(sessions).where(sessions.c.user_id == uid))


def code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def problem(r: httpx.Response, status: int, reason: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:600])
    body: dict[str, Any] = r.json()
    if reason is not None:
        assert body.get("reason") == reason, body
    return body


def enrol(client: httpx.Client) -> tuple[str, list[str]]:
    """Turn 2FA on for the caller; (secret, backup codes)."""
    r = client.post("/auth/2fa/enroll")
    assert r.status_code == 200, r.text
    secret: str = r.json()["secret"]
    r = client.post("/auth/2fa/confirm", json={"code": code(secret)})
    assert r.status_code == 200, r.text
    return secret, r.json()["backup_codes"]
