"""Malformed server answers at the feed + panel level (the client's error mapping is in
tests/unit/test_client_errors.py): the real ApiClient and ChangeFeed feed a LivePanelModel
from a stub backend that garbles one answer. While the feed is backing off after it, the
status says what went wrong, the panel holds exactly its last good rows (nothing from the
bad answer, not even its valid rows), and the feed is still running; released, it
converges to the server's true state.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from supervisor_console.api import client as client_module
from supervisor_console.api import wire
from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import ChangeBatch, ConnectionState, FeedStatus, UserRow
from supervisor_console.feed import ChangeFeed
from supervisor_console.models.panel import LivePanelModel
from tests.support.stub import TIME, FakeBackend, Reply, row_json
from tests.support.waiting import until


def batch(*rows: dict[str, Any], cursor: int = 1000) -> dict[str, Any]:
    return {"users": list(rows), "deleted": [], "cursor": cursor, "server_time": TIME}


def with_(user_id: int, **changes: Any) -> dict[str, Any]:
    """A row that is valid but for `changes` (a value None removes the field)."""
    row = row_json(user_id, version=50, status="dnd")
    for key, value in changes.items():
        if value is None:
            row.pop(key)
        else:
            row[key] = value
    return row


CALL = {"id": 9, "direction": "inbound", "peer": "+15551234567", "started_at": TIME}
GOOD = row_json(1, version=50, status="meeting")  # valid: must still not be applied

BAD_ANSWERS: dict[str, Reply] = {
    # wrong types
    "id as text": Reply(body=batch(GOOD, with_(2, id="2"))),
    "version as float": Reply(body=batch(GOOD, with_(2, version=50.5))),
    "active as text": Reply(body=batch(GOOD, with_(2, active="yes"))),
    "desks as text": Reply(body=batch(GOOD, with_(2, desks="Sales"))),
    "time as number": Reply(body=batch(GOOD, with_(2, status_since=1700000000))),
    "bad date": Reply(body=batch(GOOD, with_(2, status_since="2026-13-45T99:00:00"))),
    "live call as list": Reply(body=batch(GOOD, with_(2, live_call=[1, "inbound"]))),
    "live call peer null": Reply(body=batch(GOOD, with_(2, live_call=CALL | {"peer": None}))),
    "live call id float": Reply(body=batch(GOOD, with_(2, live_call=CALL | {"id": 9.5}))),
    "row as list": Reply(body=batch(GOOD, [2, "agent2"])),  # type: ignore[arg-type]
    "users as object": Reply(body={"users": {"1": GOOD}, "deleted": [], "cursor": 1000}),
    "deleted as text": Reply(body={"users": [GOOD], "deleted": ["2"], "cursor": 1000}),
    "cursor as text": Reply(body={"users": [GOOD], "deleted": [], "cursor": "1000"}),
    "cursor as bool": Reply(body={"users": [GOOD], "deleted": [], "cursor": True}),
    "answer as list": Reply(body=[GOOD]),
    # missing fields
    "no status": Reply(body=batch(GOOD, with_(2, status=None))),
    "no version": Reply(body=batch(GOOD, with_(2, version=None))),
    "no username": Reply(body=batch(GOOD, with_(2, username=None))),
    "no cursor": Reply(body={"users": [GOOD], "deleted": []}),
    "no users": Reply(body={"deleted": [], "cursor": 1000}),
    # unknown statuses
    "unknown status": Reply(body=batch(GOOD, with_(2, status="sleeping"))),
    "status in capitals": Reply(body=batch(GOOD, with_(2, status="BUSY"))),
    "status null": Reply(body=batch(GOOD, with_(2, status=0))),
    # truncated or not JSON at all
    "truncated JSON": Reply(raw=json.dumps(batch(GOOD)).encode()[:-40]),
    "cut mid body": Reply(body=batch(GOOD), drop=True),
    "HTML error page": Reply(raw=b"<html><body>Bad gateway</body></html>"),
    "empty body": Reply(raw=b""),
    "not UTF-8": Reply(raw=b'{"users": ["\xff\xfe"]}'),
    "NaN cursor": Reply(raw=b'{"users": [], "deleted": [], "cursor": NaN}'),
    "deeply nested": Reply(raw=b"[" * 5000 + b"]" * 5000),
    # huge
    "declared huge": Reply(raw=b"{}", headers={"Content-Length": str(10**12)}),
    "streamed over the cap": Reply(body=batch(*[row_json(i, 60) for i in range(1, 400)])),
}


CHANGES_ONLY = {"deleted as text"}


class Gate:
    """The feed's sleep: the test decides when a back-off ends."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()
        self.open = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.waiting.set()
        await self.open.wait()
        self.open.clear()
        self.waiting.clear()


class Panel:
    def __init__(self) -> None:
        self.model = LivePanelModel()
        self.statuses: list[FeedStatus] = []

    def on_batch(self, batch: ChangeBatch) -> None:
        self.model.apply(batch)

    def on_status(self, status: FeedStatus) -> None:
        self.statuses.append(status)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBackend]:
    backend = FakeBackend(count=5).start()
    try:
        yield backend
    finally:
        backend.stop()


def truth(fake: FakeBackend) -> dict[int, UserRow]:
    with fake.cond:
        return {i: wire.row(r) for i, r in fake.rows.items()}


@pytest.mark.parametrize("name", list(BAD_ANSWERS))
@pytest.mark.parametrize("where", ["changes", "snapshot"])
async def test_bad_answer_keeps_last_good_state(
    qapp: Any, fake: FakeBackend, monkeypatch: pytest.MonkeyPatch, name: str, where: str
) -> None:
    if where == "snapshot" and name in CHANGES_ONLY:
        pytest.skip("a snapshot has no 'deleted': this answer is a valid snapshot")
    monkeypatch.setattr(client_module, "SNAPSHOT_MAX_BYTES", 50_000)
    panel, gate = Panel(), Gate()
    async with ApiClient(fake.url, token="t", timeout=2) as client:
        feed = ChangeFeed(client, panel.on_batch, panel.on_status, wait=0.2, sleep=gate.sleep)
        if where == "snapshot":
            fake.faults.append(BAD_ANSWERS[name])
        feed.start()
        try:
            if where == "changes":
                await until(lambda: panel.model.total_count == 5, timeout=5)
                await until(lambda: fake.server.seen[-1].path.endswith("/changes"), timeout=5)
                await until(lambda: fake.polls_waiting == 1, "that long poll to wait")
                fake.faults.append(BAD_ANSWERS[name])
                # Wakes the pending long poll (a good answer); the next one is garbled.
                fake.change(1, status="break")
            await asyncio.wait_for(gate.waiting.wait(), 5)

            status = panel.statuses[-1]
            assert status.state in (ConnectionState.RECONNECTING, ConnectionState.UNREACHABLE)
            assert status.message
            assert "internal error" not in status.message
            assert feed.running
            shown = panel.model.all_rows()
            if where == "changes":  # the last good state, nothing from the bad answer
                assert shown == truth(fake)
                assert shown[1].version == 2
            else:
                assert shown == {}

            gate.open.set()  # the feed retries and re-reads the snapshot
            await until(lambda: panel.model.all_rows() == truth(fake), timeout=5)
            await until(lambda: panel.statuses[-1].state is ConnectionState.CONNECTED)
        finally:
            gate.open.set()
            await feed.stop()
