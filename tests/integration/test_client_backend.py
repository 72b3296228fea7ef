"""ApiClient against the real reference backend on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest

from supervisor_console.api.client import (
    ApiClient,
    AuthError,
    ConflictError,
    CursorExpiredError,
    ForbiddenError,
    NotFoundError,
    new_idempotency_key,
)
from supervisor_console.api.types import Status
from tests.support.accounts import ADMIN_PW, SUPER_PW


async def test_sign_in_and_read(small_server: Any) -> None:
    async with ApiClient(small_server.base_url) as client:
        info = await client.login("supervisor", SUPER_PW)
        rows, cursor = await client.users()
        agent = next(r for r in rows if r.role == "agent")
        assert (await client.user(agent.id)) == agent
        assert isinstance(await client.sessions(agent.id), list)
        assert isinstance(await client.calls(agent.id, limit=5), list)
        assert isinstance(await client.activity(agent.id), list)
        batch = await client.changes(cursor, wait=0)
    assert info.role == "supervisor"
    assert info.username == "supervisor"
    assert len(rows) >= 30
    assert batch.changed == []
    assert batch.cursor == cursor


async def test_wrong_password_and_revoked_token(small_server: Any) -> None:
    async with ApiClient(small_server.base_url) as client:
        with pytest.raises(AuthError):
            await client.login("supervisor", "wrong")
        info = await client.login("supervisor", SUPER_PW)
    async with ApiClient(small_server.base_url, token=info.token) as other:
        await other.users()  # a remembered token works in a new session
        await other.logout()
        other.use_token(info.token)
        with pytest.raises(AuthError, match="Sign in again"):
            await other.users()


async def test_supervisor_cannot_delete(small_server: Any) -> None:
    async with ApiClient(small_server.base_url) as client:
        await client.login("supervisor", SUPER_PW)
        rows, _ = await client.users()
        agent = next(r for r in rows if r.role == "agent")
        with pytest.raises(ForbiddenError) as info:
            await client.request("DELETE", f"/users/{agent.id}")
    assert info.value.detail
    assert str(info.value) == info.value.detail


async def test_conflict_and_idempotent_retry(small_server: Any) -> None:
    async with ApiClient(small_server.base_url) as client:
        me = await client.login("admin", ADMIN_PW)  # seeded Available
        key = new_idempotency_key()
        body = {"expected_status": "available", "status": "break", "text": None}
        headers = {"Idempotency-Key": key}
        first = await client.request(
            "PUT", f"/users/{me.user_id}/status", json=body, headers=headers
        )
        again = await client.request(
            "PUT", f"/users/{me.user_id}/status", json=body, headers=headers
        )
        assert first["user"] == again["user"]
        assert first["user"]["status"] == "break"
        with pytest.raises(ConflictError) as info:
            await client.request("PUT", f"/users/{me.user_id}/status", json=body)
        audit = await client.audit(user_id=me.user_id)
    assert info.value.current is not None
    assert info.value.current.status is Status.BREAK
    assert str(info.value).startswith("This user changed since you looked: ")
    assert len([a for a in audit if a["action"] == "set-status"]) == 1


async def test_missing_user_and_bad_cursor(small_server: Any) -> None:
    async with ApiClient(small_server.base_url) as client:
        await client.login("supervisor", SUPER_PW)
        with pytest.raises(NotFoundError):
            await client.user(999_999)
        _, cursor = await client.users()
        with pytest.raises(CursorExpiredError):
            await client.changes(cursor + 1000, wait=0)
