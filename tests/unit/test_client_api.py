"""ApiClient against a stub server on 127.0.0.1: requests it sends, answers it decodes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from supervisor_console.api.client import ApiClient, ApiError, NetworkError, new_idempotency_key
from supervisor_console.api.types import Status
from tests.support.stub import Reply, Seen, StubServer, row_json

MakeStub = Callable[[Callable[[Seen], Reply]], StubServer]

LOGIN = {
    "token": "s3cret-token",
    "role": "supervisor",
    "expires_at": "2026-11-23T17:00:00+00:00",
    "user_id": 2,
    "username": "supervisor",
}


def routes(table: dict[str, Reply]) -> Callable[[Seen], Reply]:
    return lambda seen: table.get(seen.path, Reply(404, {"detail": "nope"}))


async def test_login_stores_token_and_sends_it(stub: MakeStub) -> None:
    server = stub(
        routes(
            {
                "/api/v1/auth/login": Reply(body=LOGIN),
                "/api/v1/users/7": Reply(body=row_json(7, version=3, status="busy")),
            }
        )
    )
    async with ApiClient(server.url) as client:
        info = await client.login("supervisor", "pw")
        row = await client.user(7)
    assert info.role == "supervisor"
    assert info.user_id == 2
    assert info.expires_at == datetime(2026, 11, 23, 17, tzinfo=UTC)
    assert row.status is Status.BUSY
    assert row.version == 3
    assert server.seen[0].body == {"username": "supervisor", "password": "pw"}
    assert "authorization" not in server.seen[0].headers
    assert server.seen[1].headers["authorization"] == "Bearer s3cret-token"


async def test_repr_hides_the_token(stub: MakeStub) -> None:
    server = stub(routes({"/api/v1/auth/login": Reply(body=LOGIN)}))
    async with ApiClient(server.url + "/api/v1/") as client:
        info = await client.login("supervisor", "pw")
        assert "s3cret" not in repr(client)
        assert "s3cret" not in repr(info)
        assert client.base_url == server.url


async def test_logout_forgets_token(stub: MakeStub) -> None:
    server = stub(
        routes({"/api/v1/auth/login": Reply(body=LOGIN), "/api/v1/auth/logout": Reply(204)})
    )
    async with ApiClient(server.url) as client:
        await client.login("supervisor", "pw")
        await client.logout()
        assert not client.signed_in
    assert server.seen[1].headers["authorization"] == "Bearer s3cret-token"


async def test_users_and_changes(stub: MakeStub) -> None:
    server = stub(
        routes(
            {
                "/api/v1/users": Reply(body={"users": [row_json(1), row_json(2)], "cursor": 9}),
                "/api/v1/changes": Reply(
                    body={"users": [row_json(2, 2)], "deleted": [1], "cursor": 11}
                ),
            }
        )
    )
    async with ApiClient(server.url, token="t") as client:
        rows, cursor = await client.users()
        batch = await client.changes(cursor, wait=5)
    assert [r.id for r in rows] == [1, 2]
    assert cursor == 9
    assert batch.cursor == 11
    assert batch.deleted == [1]
    assert not batch.full
    assert [(r.id, r.version) for r in batch.changed] == [(2, 2)]
    assert server.seen[1].query == {"since": "9", "wait": "5"}


async def test_big_snapshot_is_parsed(stub: MakeStub) -> None:
    rows = [row_json(i) for i in range(1, 3001)]  # > 1 MB: parsed in a worker thread
    server = stub(routes({"/api/v1/users": Reply(body={"users": rows, "cursor": 1})}))
    async with ApiClient(server.url, token="t") as client:
        got, _ = await client.users()
    assert len(got) == 3000
    assert got[-1].id == 3000


async def test_request_passes_idempotency_key_and_if_match(stub: MakeStub) -> None:
    answer = {"user": row_json(4, 5), "disconnected_call": None, "message": "ok"}
    server = stub(routes({"/api/v1/users/4/reset-dialer": Reply(body=answer)}))
    key = new_idempotency_key()
    async with ApiClient(server.url, token="t") as client:
        body = await client.request(
            "POST",
            "/users/4/reset-dialer",
            json={"expected_status": "busy"},
            headers={"Idempotency-Key": key, "If-Match": "4"},
        )
    assert body["message"] == "ok"
    seen = server.seen[0]
    assert seen.headers["idempotency-key"] == key
    assert seen.headers["if-match"] == "4"
    assert seen.body == {"expected_status": "busy"}


async def test_detail_reads(stub: MakeStub) -> None:
    session = {"id": 1, "client": "softphone", "started_at": "x", "last_seen": "y"}
    server = stub(
        routes(
            {
                "/api/v1/users/3/sessions": Reply(body=[session]),
                "/api/v1/users/3/calls": Reply(body=[]),
                "/api/v1/users/3/activity": Reply(body=[{"id": 1}]),
                "/api/v1/audit": Reply(body=[{"id": 2}]),
            }
        )
    )
    async with ApiClient(server.url, token="t") as client:
        assert await client.sessions(3) == [session]
        assert await client.calls(3, limit=5) == []
        assert await client.activity(3) == [{"id": 1}]
        since = datetime(2026, 1, 1, tzinfo=UTC)
        assert await client.audit(actor="admin", since=since, user_id=None) == [{"id": 2}]
    assert server.seen[1].query == {"limit": "5"}
    assert server.seen[3].query == {"actor": "admin", "since": since.isoformat()}


async def test_tls_with_a_ca_file(stub: Callable[..., StubServer], self_signed: Any) -> None:
    ca_file, context = self_signed
    server = stub(routes({"/api/v1/users/1": Reply(body=row_json(1))}), tls=context)
    assert server.url.startswith("https://")
    async with ApiClient(server.url, token="t", verify=ca_file) as client:
        assert (await client.user(1)).id == 1
    async with ApiClient(server.url, token="t") as client:  # verification is on by default
        with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.user(1)


async def test_unreadable_ca_file_is_a_readable_error(tmp_path: Any) -> None:
    with pytest.raises(ApiError, match="Cannot use the certificate file"):
        ApiClient("https://127.0.0.1:1", verify=str(tmp_path / "missing.pem"))
