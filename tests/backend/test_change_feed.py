"""The snapshot and the change feed: cursors, long polls, no lost change, 410."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from contact_center.sim.simulator import Simulator
from contact_center.testing.server import ServerThread
from tests.support.backend import (
    agent_ids,
    agent_in,
    assert_problem,
    bulk_jobs_pending,
    client_for,
    long_polls_waiting,
    store_of,
    token_for,
)
from tests.support.waiting import wait_until


def test_cursor_then_changes(server: ServerThread, supervisor: httpx.Client) -> None:
    uid = agent_in(server, "unavailable")
    snap = supervisor.get("/users").json()
    assert len(snap["users"]) == 42
    assert isinstance(snap["cursor"], int)
    idle = supervisor.get("/changes", params={"since": snap["cursor"], "wait": 0}).json()
    assert idle == {**idle, "users": [], "deleted": [], "cursor": snap["cursor"]}
    r = supervisor.post(f"/users/{uid}/reset-dialer", json={})
    assert r.status_code == 200
    batch = supervisor.get("/changes", params={"since": snap["cursor"], "wait": 0}).json()
    assert [u["id"] for u in batch["users"]] == [uid]
    assert batch["users"][0] == r.json()["user"]
    assert batch["cursor"] == snap["cursor"] + 1
    again = supervisor.get("/changes", params={"since": batch["cursor"], "wait": 0}).json()
    assert again["users"] == []
    assert again["cursor"] == batch["cursor"]
    assert supervisor.get("/users").json()["cursor"] == batch["cursor"]


def test_long_poll_wakes_promptly_after_a_write(
    server: ServerThread, supervisor: httpx.Client, admin: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    cursor = supervisor.get("/users").json()["cursor"]
    answer: dict[str, Any] = {}

    def poll() -> None:
        r = supervisor.get("/changes", params={"since": cursor, "wait": 2})
        answer["at"] = time.monotonic()
        answer["body"] = r.json()

    reader = threading.Thread(target=poll)
    reader.start()
    wait_until(lambda: long_polls_waiting(server) == 1, "the long poll to wait")
    assert "at" not in answer  # still waiting
    wrote = time.monotonic()
    assert admin.put(f"/users/{uid}/status", json={"status": "break"}).status_code == 200
    reader.join(5)
    assert answer["at"] - wrote < 1.0
    assert [u["status"] for u in answer["body"]["users"]] == ["break"]


def test_long_poll_waits_when_idle(supervisor: httpx.Client) -> None:
    cursor = supervisor.get("/users").json()["cursor"]
    started = time.monotonic()
    r = supervisor.get("/changes", params={"since": cursor, "wait": 1})
    elapsed = time.monotonic() - started
    assert r.status_code == 200
    assert r.json()["users"] == []
    assert r.json()["cursor"] == cursor
    assert 0.9 <= elapsed < 2.0


def test_no_change_is_lost_under_concurrent_writers(server: ServerThread) -> None:
    tokens = [token_for(server, "admin"), token_for(server, "supervisor")]
    ids = agent_ids(server)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        rng = random.Random(n)
        try:
            with client_for(server, tokens[n % 2]) as c:
                while not stop.is_set():
                    uid = rng.choice(ids)
                    kind = rng.random()
                    if kind < 0.4:
                        status = rng.choice(["break", "dnd", "meeting"])
                        r = c.put(f"/users/{uid}/status", json={"status": status})
                    elif kind < 0.7:
                        r = c.post(f"/users/{uid}/reset-dialer", json={})
                    elif kind < 0.8:
                        r = c.post(f"/users/{uid}/logout", json={})
                    elif n % 2 == 0:
                        r = c.post("/bulk-jobs", json={
                            "action": "add-tags", "scope": {"kind": "ids", "ids": [uid]},
                            "params": {"values": [f"t{rng.randint(0, 9)}"]},
                        })  # fmt: skip
                    else:
                        r = c.post("/bulk-jobs", json={
                            "action": "set-status", "scope": {"kind": "ids", "ids": [uid]},
                            "params": {"status": "meeting"},
                        })  # fmt: skip
                    assert r.status_code in (200, 202, 409), r.text
        except BaseException as exc:  # noqa: BLE001 - collected; the test asserts there are none
            errors.append(exc)

    def simulate() -> None:
        sim = Simulator(store_of(server), seed=5)
        try:
            while not stop.is_set():
                sim.step(3)
                time.sleep(0.01)
        except BaseException as exc:  # noqa: BLE001 - collected; the test asserts there are none
            errors.append(exc)

    with client_for(server, tokens[1]) as reader:
        snap = reader.get("/users").json()
        state = {u["id"]: u for u in snap["users"]}
        cursor = snap["cursor"]

        def follow(wait: float) -> int:
            nonlocal cursor
            batch = reader.get("/changes", params={"since": cursor, "wait": wait}).json()
            for u in batch["users"]:
                if u["id"] not in state or u["version"] > state[u["id"]]["version"]:
                    state[u["id"]] = u
            for uid in batch["deleted"]:
                state.pop(uid, None)
            assert batch["cursor"] >= cursor
            cursor = batch["cursor"]
            return len(batch["users"]) + len(batch["deleted"])

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
        threads.append(threading.Thread(target=simulate))
        for t in threads:
            t.start()
        deadline = time.monotonic() + 2.0
        batches = 0
        while time.monotonic() < deadline:
            batches += bool(follow(1))
        stop.set()
        for t in threads:
            t.join(10)
        wait_until(lambda: bulk_jobs_pending(server) == 0, "the queued bulk jobs to finish")
        while follow(0):
            pass
        final = reader.get("/users").json()
    assert not errors, errors
    assert batches > 3
    assert state == {u["id"]: u for u in final["users"]}
    assert cursor == final["cursor"]


def test_cursor_outside_the_retained_window_is_410(
    make_server: Callable[..., ServerThread],
) -> None:
    srv = make_server(retain_changes=5)
    with client_for(srv, token_for(srv, "supervisor")) as c:
        old = c.get("/users").json()["cursor"]
        for uid in agent_ids(srv)[:8]:
            c.put(f"/users/{uid}/status", json={"status": "break"})
        store_of(srv).prune_changes()
        body = assert_problem(c.get("/changes", params={"since": old, "wait": 0}), 410)
        assert "read /users again" in body["detail"]
        now_cursor = c.get("/users").json()["cursor"]
        assert c.get("/changes", params={"since": now_cursor - 5, "wait": 0}).status_code == 200
        assert_problem(c.get("/changes", params={"since": now_cursor - 6, "wait": 0}), 410)
        # a cursor from another database (newer than this server's)
        assert_problem(c.get("/changes", params={"since": now_cursor + 1, "wait": 0}), 410)
        assert c.get("/changes", params={"since": now_cursor, "wait": 0}).status_code == 200
