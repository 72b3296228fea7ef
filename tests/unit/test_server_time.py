"""The data's age counts from the server's time of its answer, not from its arrival.

The real ApiClient and ChangeFeed against a stub server on 127.0.0.1 that dates its
answers (`server_time`) when it builds them and then holds them, like a slow network.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import ConnectionState
from supervisor_console.feed import ChangeFeed
from tests.support.stub import Recorder, Reply, Seen, StubServer, row_json
from tests.support.waiting import until

HOLD = 0.6  # seconds the stub holds each answer after dating it


def now() -> datetime:
    return datetime.now(UTC)


def dated(stamp: Callable[[], Any], hold: float = HOLD) -> Callable[[Seen], Reply]:
    """A handler answering /users and /changes with `server_time = stamp()`, then holding."""

    def handle(seen: Seen) -> Reply:
        extra = {"server_time": stamp()}
        if seen.path.endswith("/users"):
            return Reply(body={"users": [row_json(1)], "cursor": 1, **extra}, delay=hold)
        return Reply(body={"users": [], "deleted": [], "cursor": 1, **extra}, delay=hold)

    return handle


async def test_answer_is_dated_by_the_server_not_by_its_arrival(
    stub: Callable[..., StubServer],
) -> None:
    server: StubServer = stub(dated(lambda: now().isoformat()))
    async with ApiClient(server.url, token="t", timeout=5) as client:
        before = now()
        batch = await client.snapshot()
        after = now()
        changes = await client.changes(1, wait=0)
    assert batch.full
    assert [r.id for r in batch.changed] == [1]
    assert batch.cursor == 1
    assert batch.server_time is not None
    assert before <= batch.server_time <= after - timedelta(seconds=HOLD * 0.8)
    assert changes.server_time is not None
    assert changes.server_time <= now() - timedelta(seconds=HOLD * 0.8)


@pytest.mark.parametrize(
    "value",
    [None, "", "yesterday", 42, ["2026-11-23T09:00:00+00:00"], "2026-11-23T09:00:00"],
    ids=["missing", "empty", "words", "number", "list", "no-zone"],
)
async def test_missing_or_malformed_server_time_falls_back_to_arrival(
    stub: Callable[..., StubServer], value: Any
) -> None:
    server: StubServer = stub(dated(lambda: value, hold=0.3))
    async with ApiClient(server.url, token="t", timeout=5) as client:
        batch = await client.snapshot()  # a bad date does not make a good answer bad
        after = now()
    assert [r.id for r in batch.changed] == [1]
    assert batch.server_time is not None
    assert after - timedelta(seconds=0.2) <= batch.server_time <= after


async def test_server_clock_ahead_is_clamped_to_arrival(stub: Callable[..., StubServer]) -> None:
    ahead = dated(lambda: (now() + timedelta(hours=1)).isoformat(), hold=0.3)
    async with ApiClient(stub(ahead).url, token="t", timeout=5) as client:
        batch = await client.snapshot()
        after = now()
    assert batch.server_time is not None
    assert after - timedelta(seconds=0.2) <= batch.server_time <= after  # never "in the future"


async def test_server_clock_behind_is_clamped_to_the_request(
    stub: Callable[..., StubServer],
) -> None:
    behind = dated(lambda: (now() - timedelta(hours=1)).isoformat(), hold=0.3)
    async with ApiClient(stub(behind).url, token="t", timeout=5) as client:
        before = now()
        batch = await client.snapshot()
    assert batch.server_time is not None
    # Not "updated 60 min ago": at most as old as the request that fetched it.
    assert before <= batch.server_time <= before + timedelta(seconds=0.2)


async def test_feed_reports_the_server_time_as_last_ok(stub: Callable[..., StubServer]) -> None:
    server: StubServer = stub(dated(lambda: now().isoformat()))
    rec = Recorder()
    arrivals: list[datetime] = []

    def on_batch(batch: Any) -> None:
        arrivals.append(now())
        rec.on_batch(batch)

    async with ApiClient(server.url, token="t", timeout=5) as client:
        feed = ChangeFeed(client, on_batch, rec.on_status, wait=0)
        feed.start()
        try:
            await until(lambda: rec.states.count(ConnectionState.CONNECTED) >= 2, timeout=5)
        finally:
            await feed.stop()
    connected = [s for s in rec.statuses if s.state is ConnectionState.CONNECTED]
    assert connected[0].last_ok is not None
    # The snapshot was dated before the stub held it: the data was HOLD s old on arrival.
    assert arrivals[0] - connected[0].last_ok >= timedelta(seconds=HOLD * 0.8)
    assert connected[1].last_ok is not None
    assert connected[1].last_ok > connected[0].last_ok
