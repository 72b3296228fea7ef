"""ChangeFeed + ApiClient against the real backend: latency, outage, restart, convergence."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from contact_center.testing.server import ServerThread
from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import ConnectionState
from supervisor_console.feed import ChangeFeed
from tests.support.accounts import SUPER_PW
from tests.support.backend import long_polls_waiting
from tests.support.stub import Recorder
from tests.support.waiting import until


@pytest.fixture
async def followed(small_server: Any) -> AsyncIterator[tuple[ChangeFeed, Recorder]]:
    """A supervisor's feed with short waits and backoff, already holding the snapshot."""
    rec = Recorder()
    async with ApiClient(small_server.base_url, timeout=2) as client:
        await client.login("supervisor", SUPER_PW)
        feed = ChangeFeed(
            client, rec.on_batch, rec.on_status, wait=1, backoff_initial=0.05, backoff_max=0.2
        )
        feed.start()
        await until(lambda: rec.fulls == 1, timeout=5)
        yield feed, rec
        await feed.stop()


async def set_status(admin_api: ApiClient, user_id: int, seen: str, status: str) -> None:
    body = {"expected_status": seen, "status": status, "text": None}
    await admin_api.request("PUT", f"/users/{user_id}/status", json=body)


async def assert_same_as_server(rec: Recorder, admin_api: ApiClient) -> None:
    rows, _ = await admin_api.users()
    assert rec.state == {row.id: row for row in rows}


async def test_change_shows_within_a_second(
    small_server: ServerThread, followed: tuple[ChangeFeed, Recorder], admin_api: ApiClient
) -> None:
    _, rec = followed
    me = next(r for r in rec.state.values() if r.username == "admin")
    await until(lambda: long_polls_waiting(small_server) == 1, "the feed's long poll to wait")
    started = time.monotonic()
    await set_status(admin_api, me.id, "available", "dnd")
    await until(lambda: rec.state[me.id].status.value == "dnd", timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert rec.batches[-1].full is False
    assert rec.states[-1] is ConnectionState.CONNECTED
    await assert_same_as_server(rec, admin_api)


async def test_outage_and_restart_converge(
    small_server: Any, followed: tuple[ChangeFeed, Recorder], admin_api: ApiClient, tmp_path: Path
) -> None:
    feed, rec = followed
    me = next(r for r in rec.state.values() if r.username == "admin")
    await set_status(admin_api, me.id, "available", "meeting")
    await until(lambda: rec.state[me.id].status.value == "meeting")
    await asyncio.to_thread(small_server.stop)
    await until(lambda: ConnectionState.UNREACHABLE in rec.states, timeout=5)
    assert ConnectionState.RECONNECTING in rec.states
    assert rec.statuses[-1].last_ok is not None
    assert rec.statuses[-1].retry_in is not None

    restarted = ServerThread(tmp_path / "cc.db", port=small_server.port, simulate=True)
    await asyncio.to_thread(restarted.start)
    try:
        await until(lambda: rec.states[-1] is ConnectionState.CONNECTED, timeout=5)
        await set_status(admin_api, me.id, "meeting", "break")  # the admin's token survived
        await asyncio.sleep(1.0)  # let the simulator churn while the feed follows
    finally:
        await asyncio.to_thread(restarted.stop)
    # Frozen again: everything the server committed must now be in the feed's state.
    quiet = ServerThread(tmp_path / "cc.db", port=small_server.port)
    await asyncio.to_thread(quiet.start)
    try:
        rows, cursor = await admin_api.users()
        await until(lambda: feed.cursor is not None and feed.cursor >= cursor, timeout=5)
        assert rec.state == {row.id: row for row in rows}
        assert rec.state[me.id].status.value == "break"
    finally:
        await asyncio.to_thread(quiet.stop)
