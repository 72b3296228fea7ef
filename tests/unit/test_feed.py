"""ChangeFeed with the real ApiClient against a fake backend on 127.0.0.1."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import ChangeBatch, ConnectionState, FeedStatus
from supervisor_console.feed import BACKOFF_MAX, ChangeFeed
from tests.support.stub import FakeBackend, Recorder, Reply, problem
from tests.support.waiting import until

FeedOf = Callable[..., tuple[ChangeFeed, Recorder]]


def server_versions(fake: FakeBackend) -> dict[int, int]:
    with fake.cond:
        return {i: r["version"] for i, r in fake.rows.items()}


async def through_faults(fake_backend: FakeBackend, rec: Recorder, faults: list[Reply]) -> None:
    """Make the feed's next requests meet `faults`, then check it converges after them."""
    fake_backend.faults += faults
    fake_backend.change(1, status="break")  # wakes the pending poll; the next requests fail
    await until(lambda: not fake_backend.faults)
    fake_backend.change(2, status="busy")
    await until(lambda: rec.versions() == server_versions(fake_backend))
    await until(lambda: rec.states[-1] is ConnectionState.CONNECTED)


class FakeTime:
    """Injected clock and sleep: backoff takes no real time and is recorded."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, tzinfo=UTC)
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def client(fake_backend: FakeBackend) -> AsyncIterator[ApiClient]:
    async with ApiClient(fake_backend.url, token="t", timeout=2) as api:
        yield api


@pytest.fixture
async def feed_of(
    client: ApiClient,
) -> AsyncIterator[FeedOf]:
    feeds: list[ChangeFeed] = []

    def make(**kwargs: object) -> tuple[ChangeFeed, Recorder]:
        rec = Recorder()
        options: dict[str, object] = {"wait": 0.2, "jitter": lambda: 1.0} | kwargs
        feed = ChangeFeed(client, rec.on_batch, rec.on_status, **options)  # type: ignore[arg-type]
        feeds.append(feed)
        feed.start()
        return feed, rec

    yield make
    for feed in feeds:
        await feed.stop()


async def test_snapshot_then_incremental(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    feed, rec = feed_of()
    await until(lambda: rec.fulls == 1)
    assert rec.states[:2] == [ConnectionState.CONNECTING, ConnectionState.CONNECTED]
    assert rec.statuses[1].last_ok is not None
    fake_backend.change(2, status="busy")
    await until(lambda: len(rec.batches) == 2, timeout=1.0)
    batch = rec.batches[1]
    assert not batch.full
    assert [(r.id, r.version) for r in batch.changed] == [(2, 2)]
    assert feed.cursor == fake_backend.cursor
    fake_backend.delete(3)
    await until(lambda: 3 not in rec.state)
    assert rec.batches[-1].deleted == [3]


async def test_empty_polls_emit_no_batch(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    _, rec = feed_of(wait=0.02)
    await until(
        lambda: len([s for s in fake_backend.server.seen if s.path.endswith("changes")]) >= 3
    )
    assert len(rec.batches) == 1
    assert rec.states.count(ConnectionState.CONNECTED) >= 3


async def test_cursor_expired_rereads_snapshot(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    _, rec = feed_of()
    await until(lambda: rec.fulls == 1)
    await through_faults(fake_backend, rec, [problem(410, "The cursor is too old.")])
    assert rec.fulls == 2
    assert ConnectionState.RECONNECTING not in rec.states


async def test_repeated_410_backs_off(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    time = FakeTime()
    _, rec = feed_of(clock=time.clock, sleep=time.sleep)
    await until(lambda: rec.fulls == 1)
    snapshot = Reply(body={"users": [], "cursor": 0})
    await through_faults(fake_backend, rec, [problem(410, "old"), snapshot, problem(410, "old")])
    assert time.slept == [0.5]  # the second 410 in a row waited once


async def test_outage_backoff_states_and_recovery(
    fake_backend: FakeBackend, feed_of: FeedOf
) -> None:
    time = FakeTime()
    _, rec = feed_of(clock=time.clock, sleep=time.sleep, backoff_max=1.5)
    await until(lambda: rec.fulls == 1)
    faults = [problem(503, "down"), Reply(drop=True), problem(500, "x"), Reply(drop=True)]
    await through_faults(fake_backend, rec, faults)
    assert time.slept == [0.5, 1.0, 1.5, 1.5]  # capped exponential (jitter fixed at 1)
    down = [s for s in rec.statuses if s.retry_in is not None]
    assert [s.state for s in down] == [ConnectionState.RECONNECTING] * 2 + [
        ConnectionState.UNREACHABLE
    ] * 2
    assert all(s.last_ok == rec.statuses[1].last_ok for s in down)  # staleness is visible
    assert "Cannot reach the server" in down[1].message
    assert rec.states[-1] is ConnectionState.CONNECTED
    assert rec.fulls == 2  # unreachable: the cursor may be stale, so re-read everything


async def test_default_backoff_is_capped_for_a_supervisor(
    fake_backend: FakeBackend, feed_of: FeedOf
) -> None:
    time = FakeTime()
    _, rec = feed_of(clock=time.clock, sleep=time.sleep)  # the console's own defaults
    await until(lambda: rec.fulls == 1)
    await through_faults(fake_backend, rec, [Reply(drop=True)] * 6)
    assert BACKOFF_MAX <= 3.0  # server back -> next attempt within 3 s, live well before 5 s
    assert time.slept == [0.5, 1.0, 2.0, BACKOFF_MAX, BACKOFF_MAX, BACKOFF_MAX]


async def test_backoff_keeps_full_jitter(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    # 200 consoles that lost the server together must not come back together: each wait is
    # uniform between 0 and the cap (the jitter draw times the capped exponential).
    time = FakeTime()
    draws = iter([0.1, 0.9, 0.3, 0.6])
    _, rec = feed_of(clock=time.clock, sleep=time.sleep, jitter=lambda: next(draws))
    await until(lambda: rec.fulls == 1)
    await through_faults(fake_backend, rec, [Reply(drop=True)] * 4)
    assert time.slept == pytest.approx([0.05, 0.9, 0.6, 0.6 * BACKOFF_MAX])


class Gate:
    """The feed's sleep never ends by itself: only retry_now() (or stop) ends a back-off."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        await asyncio.Event().wait()


async def test_retry_now_cuts_the_backoff_short(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    gate = Gate()
    feed, rec = feed_of(sleep=gate.sleep, backoff_initial=60.0, backoff_max=60.0)
    await until(lambda: rec.fulls == 1)
    assert not feed.retry_now()  # connected: nothing to cut short
    fake_backend.faults.append(problem(503, "down"))
    fake_backend.change(1, status="break")  # the pending poll answers; the next one meets the 503
    await until(lambda: len(gate.asked) == 1)
    waiting = rec.statuses[-1]
    assert waiting.state is ConnectionState.RECONNECTING
    assert waiting.retry_in == 60.0
    seen = len(fake_backend.server.seen)
    assert feed.retry_now()
    assert rec.statuses[-1].retry_in == 0.0  # the status bar says "now…" at once
    assert rec.statuses[-1].last_ok == waiting.last_ok
    assert not feed.retry_now()  # already cut: a second press changes nothing
    await until(lambda: len(fake_backend.server.seen) > seen, timeout=1.0)
    await until(lambda: rec.states[-1] is ConnectionState.CONNECTED, timeout=1.0)
    assert len(gate.asked) == 1
    assert rec.versions() == server_versions(fake_backend)


async def test_retry_now_after_stop_is_a_no_op(feed_of: FeedOf) -> None:
    feed, rec = feed_of()
    await until(lambda: rec.fulls == 1)
    await feed.stop()
    assert not feed.retry_now()


async def test_short_blip_resumes_from_cursor(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    time = FakeTime()
    _, rec = feed_of(clock=time.clock, sleep=time.sleep)
    await until(lambda: rec.fulls == 1)
    await through_faults(fake_backend, rec, [problem(502, "bad gateway")])
    assert rec.fulls == 1
    assert time.slept == [0.5]


async def test_back_from_a_blip_is_connected_at_once(
    fake_backend: FakeBackend, feed_of: FeedOf
) -> None:
    time = FakeTime()
    _, rec = feed_of(clock=time.clock, sleep=time.sleep, wait=20)
    await until(lambda: any(s.path.endswith("/changes") for s in fake_backend.server.seen))
    fake_backend.faults.append(problem(502, "bad gateway"))
    fake_backend.change(1, status="break")  # the pending poll answers; the next one meets the 502
    await until(lambda: len(time.slept) == 1)
    # Nothing changes on the floor: a 20 s long poll would keep "Reconnecting" up for 20 s.
    await until(lambda: rec.states[-1] is ConnectionState.CONNECTED, timeout=1.0)
    polls = [
        float(s.query["wait"]) for s in fake_backend.server.seen if s.path.endswith("/changes")
    ]
    assert polls[:3] == [20.0, 20.0, 0.0]  # answered, met the 502, back without waiting
    assert polls[3:] in ([], [20.0])  # then long polls again
    assert rec.fulls == 1


async def test_long_outage_rereads(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    time = FakeTime()
    _, rec = feed_of(clock=time.clock, sleep=time.sleep, full_resync_after=0.4)
    await until(lambda: rec.fulls == 1)
    await through_faults(fake_backend, rec, [Reply(drop=True)])
    assert rec.fulls == 2


async def test_malformed_answer_rereads(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    time = FakeTime()
    feed, rec = feed_of(clock=time.clock, sleep=time.sleep)
    await until(lambda: rec.fulls == 1)
    bad = {"users": [{"id": 2, "status": "asleep"}], "deleted": [], "cursor": 99}
    await through_faults(fake_backend, rec, [Reply(body=bad)])
    assert rec.fulls == 2
    assert feed.cursor == fake_backend.cursor  # the garbled cursor 99 was never taken


async def test_auth_error_signs_out_and_stops(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    feed, rec = feed_of()
    await until(lambda: rec.fulls == 1)
    fake_backend.faults.append(problem(401, "Token revoked."))
    fake_backend.change(1, status="dnd")
    await until(lambda: not feed.running)
    assert rec.states[-1] is ConnectionState.SIGNED_OUT
    assert "Sign in again" in rec.statuses[-1].message


async def test_stop_during_long_poll_is_prompt(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    feed, rec = feed_of(wait=20)
    await until(lambda: rec.fulls == 1)
    await asyncio.sleep(0.05)
    async with asyncio.timeout(0.5):
        await feed.stop()
    assert not feed.running


async def test_resync_delivers_a_fresh_snapshot(feed_of: FeedOf) -> None:
    feed, rec = feed_of()
    await until(lambda: rec.fulls == 1)
    await feed.resync()
    await until(lambda: rec.fulls == 2)


async def test_converges_under_churn_and_faults(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    rng = random.Random(7)
    _, rec = feed_of(wait=0.05, backoff_initial=0.001, backoff_max=0.01, jitter=rng.random)
    faults = [problem(500, "x"), Reply(drop=True), problem(410, "old"), Reply(raw=b"{")]
    for step in range(120):
        user_id = rng.randint(1, 8)
        if user_id in fake_backend.rows and rng.random() < 0.1:
            fake_backend.delete(user_id)
        else:
            fake_backend.change(user_id, status=rng.choice(["busy", "available", "break"]))
        if rng.random() < 0.1:
            fake_backend.faults.append(rng.choice(faults))
        await asyncio.sleep(0.002 if step % 10 else 0.02)
    await until(lambda: rec.versions() == server_versions(fake_backend), timeout=3)
    assert rec.states[-1] is ConnectionState.CONNECTED
    for row in rec.state.values():  # the rows themselves, not only the versions
        assert row.status.value == fake_backend.rows[row.id]["status"]


async def test_refusal_backs_off_and_recovers(fake_backend: FakeBackend, feed_of: FeedOf) -> None:
    time = FakeTime()
    _, rec = feed_of(clock=time.clock, sleep=time.sleep)
    await until(lambda: rec.fulls == 1)
    await through_faults(fake_backend, rec, [problem(403, "Your role (agent) cannot read users.")])
    refused = next(s for s in rec.statuses if s.retry_in is not None)
    assert refused.state is ConnectionState.RECONNECTING
    assert refused.message == "Your role (agent) cannot read users."
    assert rec.fulls == 2


async def test_callback_bug_is_reported_not_hidden(
    fake_backend: FakeBackend, client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    statuses: list[FeedStatus] = []

    def broken(batch: ChangeBatch) -> None:
        raise ZeroDivisionError("model bug")

    feed = ChangeFeed(client, broken, statuses.append, wait=0.2)
    feed.start()
    await until(lambda: not feed.running)
    assert statuses[-1].state is ConnectionState.UNREACHABLE
    assert "internal error" in statuses[-1].message
    # Logged by the task's done callback, which may run a moment after `running` is False.
    await until(lambda: "model bug" in caplog.text)
    await feed.stop()
