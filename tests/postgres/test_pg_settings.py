"""Settings on two instances of one PostgreSQL database: a PUT of the time limits on one
wakes the long polls of the other at once (its NOTIFY); two admins' PUTs at once cannot both
apply; one owner's view name saved twice at once is saved once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contact_center.feed.pglisten import FeedListener
from contact_center.testing.server import ServerThread
from tests.support.backend import client_for, long_polls_waiting, token_for
from tests.support.waiting import wait_until

Pair = tuple[ServerThread, ServerThread]
PATH = "/settings/thresholds"
pytestmark = pytest.mark.filterwarnings(
    "ignore::pydantic.warnings.UnsupportedFieldAttributeWarning"
)


def listener_of(srv: ServerThread) -> FeedListener:
    assert srv.app is not None
    listener = srv.app.state.feed_listener
    assert isinstance(listener, FeedListener)
    assert listener.connected.wait(5)
    return listener


@pytest.fixture
def clients(pair: Pair) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    a, b = pair
    with (
        client_for(a, token_for(a, "admin")) as ca,
        client_for(b, token_for(b, "admin")) as cb,
    ):
        ca.timeout = cb.timeout = httpx.Timeout(40.0)
        yield ca, cb


def test_a_put_on_one_instance_wakes_a_long_poll_on_the_other(
    pair: Pair, clients: tuple[httpx.Client, httpx.Client]
) -> None:
    _, b = pair
    ca, cb = clients
    listener_of(b)
    for version in (1, 2):
        snap = cb.get("/users").json()
        assert snap["settings_version"] == version - 1
        answer: dict[str, Any] = {}

        def poll(cursor: int = snap["cursor"], answer: dict[str, Any] = answer) -> None:
            r = cb.get("/changes", params={"since": cursor, "wait": 10})
            answer["at"] = time.monotonic()
            answer["body"] = r.json()

        reader = threading.Thread(target=poll)
        reader.start()
        wait_until(lambda: long_polls_waiting(b) == 1, "the long poll to wait")
        assert "at" not in answer
        wrote = time.monotonic()
        change = {"break": {"warn_s": 100 * version, "alert_s": 1000}}
        r = ca.put(PATH, json={"thresholds": change}, headers={"If-Match": str(version - 1)})
        assert r.status_code == 200, r.text
        reader.join(10)
        # NOTIFY is delivered on commit: well under the listener's 1 s periodic re-check.
        assert answer["at"] - wrote < 0.5, answer["at"] - wrote
        body = answer["body"]
        assert (body["users"], body["deleted"]) == ([], [])
        assert body["settings_version"] == version
        assert body["cursor"] == snap["cursor"] + 1
        got = cb.get(PATH)
        assert got.json()["thresholds"]["break"] == {"warn_s": 100 * version, "alert_s": 1000}
        assert got.headers["ETag"] == f'"{version}"'


def test_two_admins_at_once_on_two_instances(clients: tuple[httpx.Client, httpx.Client]) -> None:
    ca, cb = clients
    results: list[httpx.Response] = []
    start = threading.Barrier(2)

    def change(client: httpx.Client, warn: int) -> None:
        start.wait()
        body = {"thresholds": {"call": {"warn_s": warn, "alert_s": 2000}}}
        results.append(client.put(PATH, json=body, headers={"If-Match": "0"}))

    threads = [
        threading.Thread(target=change, args=(ca, 100)),
        threading.Thread(target=change, args=(cb, 200)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(r.status_code for r in results) == [200, 409]
    won = next(r for r in results if r.status_code == 200).json()
    lost = next(r for r in results if r.status_code == 409).json()
    assert won["version"] == 1
    assert lost["current"] == won
    assert cb.get(PATH).json() == ca.get(PATH).json() == won
    records = ca.get("/audit", params={"action": "thresholds"}).json()
    assert len(records) == 1


def test_one_name_saved_twice_at_once_on_two_instances(
    clients: tuple[httpx.Client, httpx.Client],
) -> None:
    """Views' names are unique per owner, ignoring case, across instances."""
    ca, cb = clients
    results: list[httpx.Response] = []
    start = threading.Barrier(2)

    def save(client: httpx.Client, name: str) -> None:
        start.wait()
        results.append(client.post("/views", json={"name": name, "layout": {"n": name}}))

    threads = [
        threading.Thread(target=save, args=(ca, "Night shift")),
        threading.Thread(target=save, args=(cb, "NIGHT SHIFT")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(r.status_code for r in results) == [201, 409]
    won = next(r for r in results if r.status_code == 201).json()
    lost = next(r for r in results if r.status_code == 409).json()
    assert lost["detail"] == f"You already have a view named {won['name']}."
    assert [v["name"] for v in cb.get("/views").json()["views"]] == [won["name"]]
