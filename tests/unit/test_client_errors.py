"""Every failure the client meets becomes a typed ApiError with a readable message."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from supervisor_console.api import client as client_module
from supervisor_console.api.client import (
    ApiClient,
    ApiError,
    AuthError,
    BadRequestError,
    ConflictError,
    CursorExpiredError,
    ForbiddenError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    ServerError,
)
from tests.support.stub import Reply, Seen, StubServer, problem, row_json

MakeStub = Callable[[Callable[[Seen], Reply]], StubServer]


async def fetch(make: MakeStub, reply: Reply, timeout: float = 10.0) -> None:
    server = make(lambda seen: reply)
    async with ApiClient(server.url, token="t", timeout=timeout) as client:
        await client.user(1)


@pytest.mark.parametrize(
    ("reply", "kind", "text"),
    [
        (problem(401, "Token expired."), AuthError, "Your sign-in has expired or was revoked."),
        (problem(403, "Your role (supervisor) cannot delete users."), ForbiddenError,
         "Your role (supervisor) cannot delete users."),
        (Reply(403, None), ForbiddenError, "Your role (unknown) cannot do this."),
        (problem(404, "No user 1."), NotFoundError, "No user 1."),
        (problem(410, "Cursor too old."), CursorExpiredError, "Cursor too old."),
        (problem(422, "Text is required for Other."), BadRequestError,
         "Text is required for Other."),
        (Reply(422, {"detail": [{"msg": "field required"}]}), BadRequestError, "field required"),
        (problem(429, "Too many attempts."), BadRequestError, "Too many attempts."),
        (Reply(500, raw=b"<html>oops</html>"), ServerError, "The server had a problem (HTTP 500)"),
        (problem(503, "Maintenance."), ServerError, "Maintenance."),
        (Reply(200, raw=b"{not json"), MalformedResponseError, "invalid JSON"),
        (Reply(200, {"id": 1}), MalformedResponseError, "malformed user row"),
        (Reply(200, row_json(1, status="sleeping")), MalformedResponseError, "unknown status"),
        (Reply(200, raw=b"\xff\xfe"), MalformedResponseError, "invalid JSON"),
    ],
)  # fmt: skip
async def test_status_mapping(
    stub: MakeStub, reply: Reply, kind: type[ApiError], text: str
) -> None:
    with pytest.raises(kind, match=text.replace("(", r"\(").replace(")", r"\)")) as info:
        await fetch(stub, reply)
    assert isinstance(info.value, ApiError)


async def test_conflict_carries_current_row(stub: MakeStub) -> None:
    reply = problem(409, "status is now Available.", current=row_json(1, 8))
    with pytest.raises(ConflictError) as info:
        await fetch(stub, reply)
    assert str(info.value) == "This user changed since you looked: status is now Available."
    assert info.value.current is not None
    assert info.value.current.version == 8


async def test_conflict_with_bad_current_still_a_conflict(stub: MakeStub) -> None:
    with pytest.raises(ConflictError) as info:
        await fetch(stub, problem(409, "changed", current={"id": "x"}))
    assert info.value.current is None


async def test_login_401_says_wrong_credentials(stub: MakeStub) -> None:
    server = stub(lambda seen: Reply(401, {"detail": "Wrong username or password."}))
    async with ApiClient(server.url) as client:
        with pytest.raises(AuthError, match="Wrong username or password"):
            await client.login("admin", "bad")
        assert not client.signed_in


async def test_dropped_connection_before_reply(stub: MakeStub) -> None:
    with pytest.raises(NetworkError, match="Cannot reach the server"):
        await fetch(stub, Reply(drop=True))


async def test_dropped_connection_mid_body(stub: MakeStub) -> None:
    with pytest.raises(NetworkError, match="Cannot reach the server"):
        await fetch(stub, Reply(body=row_json(1), drop=True))


async def test_timeout(stub: MakeStub) -> None:
    with pytest.raises(NetworkError, match="timed out"):
        await fetch(stub, Reply(body=row_json(1), delay=1.0), timeout=0.2)


async def test_nothing_listening() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with ApiClient(f"http://127.0.0.1:{port}", token="t") as client:
        with pytest.raises(NetworkError, match="Cannot reach the server http://127"):
            await client.users()


async def test_changes_read_timeout_outlasts_wait(stub: MakeStub) -> None:
    reply = Reply(body={"users": [], "deleted": [], "cursor": 3}, delay=0.5)
    server = stub(lambda seen: reply)
    async with ApiClient(server.url, token="t", timeout=0.2) as client:
        batch = await client.changes(3, wait=0.4)
    assert batch.changed == []
    assert batch.cursor == 3


@pytest.mark.parametrize(
    "body",
    [
        {"users": [], "cursor": "3"},
        {"users": {}, "deleted": [], "cursor": 3},
        {"users": [], "deleted": ["x"], "cursor": 3},
        {"users": [], "deleted": [], "cursor": True},
        [],
    ],
)
async def test_malformed_changes(stub: MakeStub, body: object) -> None:
    server = stub(lambda seen: Reply(body=body))
    async with ApiClient(server.url, token="t") as client:
        with pytest.raises(MalformedResponseError):
            await client.changes(1, wait=0)


async def test_oversized_body_refused(stub: MakeStub, monkeypatch: pytest.MonkeyPatch) -> None:
    # Lower the cap rather than send 200 MB; both the declared and streamed paths are checked.
    monkeypatch.setattr(client_module, "SNAPSHOT_MAX_BYTES", 1000)
    big = {"users": [row_json(i) for i in range(10)], "cursor": 1}
    server = stub(lambda seen: Reply(body=big))
    async with ApiClient(server.url, token="t") as client:
        with pytest.raises(MalformedResponseError, match="larger than"):
            await client.users()
