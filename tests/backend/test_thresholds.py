"""Time limits (issue 15): GET and PUT /settings/thresholds (admins, If-Match, the
rule 0 < warn < alert <= 24 h per kind, one audit record) and how a change reaches every
console: `settings_version` in /users and /changes, and a PUT waking the long polls."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from sqlalchemy import select

from contact_center.storage.tables import users
from contact_center.testing.server import ServerThread
from tests.support.backend import (
    agent_in,
    arrange,
    assert_problem,
    client_for,
    long_polls_waiting,
    sql_rows,
    token_for,
)
from tests.support.waiting import wait_until

DEFAULTS = {
    "break": {"warn_s": 900, "alert_s": 1200},
    "dnd": {"warn_s": 600, "alert_s": 1200},
    "meeting": {"warn_s": 3600, "alert_s": 5400},
    "other": {"warn_s": 900, "alert_s": 1800},
    "unavailable": {"warn_s": 120, "alert_s": 300},
    "call": {"warn_s": 600, "alert_s": 1200},
    "stuck": {"warn_s": 60, "alert_s": 300},
}
PATH = "/settings/thresholds"


def put(client: httpx.Client, limits: dict[str, Any], version: int | str | None) -> httpx.Response:
    headers = {} if version is None else {"If-Match": str(version)}
    return client.put(PATH, json={"thresholds": limits}, headers=headers)


def current(client: httpx.Client) -> dict[str, Any]:
    r = client.get(PATH)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert r.headers["ETag"] == f'"{body["version"]}"'
    return body


def audit_of_thresholds(client: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/audit", params={"action": "thresholds"}).json()
    return found


def test_defaults_for_every_console_role(
    admin: httpx.Client, supervisor: httpx.Client, anon: httpx.Client
) -> None:
    for client in (admin, supervisor):
        r = client.get(PATH)
        assert r.status_code == 200, r.text
        assert r.headers["ETag"] == '"0"'
        assert r.json() == {
            "version": 0,
            "thresholds": DEFAULTS,
            "changed_by": None,
            "changed_at": None,
        }
        assert list(r.json()["thresholds"]) == list(DEFAULTS)  # the documented order
    assert_problem(anon.get(PATH), 401)


def test_agents_cannot_read_the_limits(server: ServerThread) -> None:
    with client_for(server, token_for(server, "agent00001")) as agent:
        body = assert_problem(agent.get(PATH), 403)
    assert body["reason"] == "agent"


def test_an_admin_changes_some_kinds(admin: httpx.Client, supervisor: httpx.Client) -> None:
    r = put(
        admin, {"break": {"warn_s": 300, "alert_s": 600}, "stuck": {"warn_s": 30, "alert_s": 90}}, 0
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["ETag"] == '"1"'
    assert body["version"] == 1
    assert body["changed_by"] == "admin"
    assert body["changed_at"] is not None
    expected = {
        **DEFAULTS,
        "break": {"warn_s": 300, "alert_s": 600},
        "stuck": {"warn_s": 30, "alert_s": 90},
    }
    assert body["thresholds"] == expected
    assert current(supervisor) == body  # every console reads the same limits
    # a second change keeps the first one's kinds
    r = put(admin, {"call": {"warn_s": 1, "alert_s": 86400}}, 1)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    assert r.json()["thresholds"] == {**expected, "call": {"warn_s": 1, "alert_s": 86400}}
    # one audit record per change, before and after
    records = audit_of_thresholds(admin)
    assert len(records) == 2
    newest, first = records
    assert (first["actor"], first["target_id"]) == ("admin", None)
    assert first["before"] == DEFAULTS
    assert first["after"] == expected
    assert newest["before"] == expected
    assert newest["after"]["call"] == {"warn_s": 1, "alert_s": 86400}
    assert newest["request_id"]


def test_if_match_is_required_and_checked(admin: httpx.Client) -> None:
    change = {"dnd": {"warn_s": 100, "alert_s": 200}}
    assert_problem(put(admin, change, None), 428, "If-Match")
    assert_problem(put(admin, change, "not-a-number"), 400)
    assert current(admin)["version"] == 0
    assert put(admin, change, '"0"').status_code == 200  # the ETag as sent back: quoted
    stale = put(admin, {"dnd": {"warn_s": 50, "alert_s": 100}}, 0)
    body = assert_problem(stale, 409, "Nothing was changed", "version 1", "you saw version 0")
    assert body["reason"] == "changed"
    assert body["title"] == "Changed since you looked"
    assert body["current"] == current(admin)
    assert body["current"]["thresholds"]["dnd"] == {"warn_s": 100, "alert_s": 200}
    assert stale.headers["ETag"] == '"1"'
    assert len(audit_of_thresholds(admin)) == 1


def test_supervisors_cannot_change_them(supervisor: httpx.Client, admin: httpx.Client) -> None:
    r = put(supervisor, {"break": {"warn_s": 10, "alert_s": 20}}, 0)
    assert_problem(r, 403)
    assert r.json()["detail"] == "Your role (supervisor) cannot change time limits."
    assert current(admin)["version"] == 0
    assert audit_of_thresholds(admin) == []


def test_an_admin_demoted_meanwhile_is_refused_in_the_transaction(
    server: ServerThread, admin: httpx.Client
) -> None:
    """The role is read again in the write's own transaction (the token cache says admin)."""
    [found] = sql_rows(server, select(users.c.id).where(users.c.username == "supervisor"))
    arrange(server, found["id"], role="admin")
    with client_for(server, token_for(server, "supervisor")) as other:
        assert other.get(PATH).status_code == 200  # its token is cached as an admin now
        arrange(server, found["id"], role="supervisor")
        r = put(other, {"break": {"warn_s": 10, "alert_s": 20}}, 0)
    assert_problem(r, 403, "cannot change time limits")
    assert current(admin)["version"] == 0


def test_the_rule_for_every_kind(admin: httpx.Client) -> None:
    r = put(
        admin,
        {
            "break": {"warn_s": 0, "alert_s": 100},
            "dnd": {"warn_s": -5, "alert_s": 100},
            "meeting": {"warn_s": 100, "alert_s": 86401},
            "other": {"warn_s": 600, "alert_s": 600},
            "unavailable": {"warn_s": 300, "alert_s": 120},
            "call": {"warn_s": 600, "alert_s": 1200},  # fine, but nothing is applied
        },
        0,
    )
    body = assert_problem(r, 422, "The alert limit must be longer than the warning limit.")
    assert body["errors"] == {
        "break": "The warning limit must be at least 1 second.",
        "dnd": "The warning limit must be at least 1 second.",
        "meeting": "The alert limit must be at most 86400 seconds (24 hours).",
        "other": "The alert limit must be longer than the warning limit.",
        "unavailable": "The alert limit must be longer than the warning limit.",
    }
    assert current(admin)["version"] == 0
    # the edges that are allowed
    ok = put(
        admin,
        {"stuck": {"warn_s": 1, "alert_s": 2}, "call": {"warn_s": 86399, "alert_s": 86400}},
        0,
    )
    assert ok.status_code == 200, ok.text


def test_malformed_bodies(admin: httpx.Client) -> None:
    bad_bodies: list[Any] = [
        {"thresholds": {"lunch": {"warn_s": 1, "alert_s": 2}}},  # no such kind
        {"thresholds": {"break": {"warn_s": 1}}},  # both limits
        {"thresholds": {"break": {"warn_s": "60", "alert_s": 120}}},  # numbers, not text
        {"thresholds": {"break": {"warn_s": 60.5, "alert_s": 120}}},  # whole seconds
        {"thresholds": {"break": {"warn_s": True, "alert_s": 120}}},
        {"thresholds": {"break": {"warn_s": 60, "alert_s": 120, "snooze_s": 5}}},
        {"limits": {}},
        {"thresholds": []},
    ]
    for body in bad_bodies:
        r = admin.put(PATH, json=body, headers={"If-Match": "0"})
        problem = assert_problem(r, 422)
        assert problem["errors"], body
    assert current(admin)["version"] == 0


def test_a_change_to_nothing_writes_nothing(admin: httpx.Client) -> None:
    cursor = admin.get("/users").json()["cursor"]
    r = put(admin, {"break": DEFAULTS["break"]}, 0)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 0
    r = put(admin, {}, 0)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 0
    assert audit_of_thresholds(admin) == []
    assert admin.get("/users").json()["cursor"] == cursor  # no feed entry either


def test_settings_version_in_the_snapshot_and_the_feed(
    server: ServerThread, supervisor: httpx.Client, admin: httpx.Client
) -> None:
    snap = supervisor.get("/users").json()
    assert snap["settings_version"] == 0
    cursor = snap["cursor"]
    idle = supervisor.get("/changes", params={"since": cursor, "wait": 0}).json()
    assert idle["settings_version"] == 0
    assert idle["users"] == []
    uid = agent_in(server, "available")
    batch = supervisor.get("/changes", params={"since": cursor, "wait": 0}).json()
    assert [u["id"] for u in batch["users"]] == [uid]
    assert batch["settings_version"] == 0
    assert put(admin, {"meeting": {"warn_s": 60, "alert_s": 120}}, 0).status_code == 200
    after = supervisor.get("/changes", params={"since": batch["cursor"], "wait": 0}).json()
    assert (after["users"], after["deleted"]) == ([], [])
    assert after["cursor"] == batch["cursor"] + 1
    assert after["settings_version"] == 1
    assert supervisor.get("/users").json()["settings_version"] == 1
    assert supervisor.get("/users").json()["cursor"] == after["cursor"]
    # the settings entry is no user: nothing deleted, from any older cursor either
    whole = supervisor.get("/changes", params={"since": cursor, "wait": 0}).json()
    assert [u["id"] for u in whole["users"]] == [uid]
    assert whole["deleted"] == []
    assert whole["settings_version"] == 1
    settled = supervisor.get("/changes", params={"since": after["cursor"], "wait": 0}).json()
    assert (settled["users"], settled["settings_version"]) == ([], 1)


def test_a_put_wakes_a_waiting_long_poll(
    server: ServerThread, supervisor: httpx.Client, admin: httpx.Client
) -> None:
    snap = supervisor.get("/users").json()
    answer: dict[str, Any] = {}

    def poll() -> None:
        r = supervisor.get("/changes", params={"since": snap["cursor"], "wait": 20})
        answer["at"] = time.monotonic()
        answer["body"] = r.json()

    reader = threading.Thread(target=poll)
    reader.start()
    wait_until(lambda: long_polls_waiting(server) == 1, "the long poll to wait")
    assert "at" not in answer  # still waiting
    wrote = time.monotonic()
    assert put(admin, {"other": {"warn_s": 30, "alert_s": 60}}, 0).status_code == 200
    reader.join(10)
    assert answer["at"] - wrote < 1.0, answer["at"] - wrote
    body = answer["body"]
    assert (body["users"], body["deleted"]) == ([], [])
    assert body["settings_version"] == 1
    assert body["cursor"] == snap["cursor"] + 1


def test_many_polls_at_one_cursor_all_get_the_new_version(
    server: ServerThread, supervisor: httpx.Client, admin: httpx.Client
) -> None:
    """The polls share one read after the wake-up (feed/answers.py): all see version 1."""
    cursor = supervisor.get("/users").json()["cursor"]
    answers: list[dict[str, Any]] = []
    token = token_for(server, "supervisor")

    def poll() -> None:
        with client_for(server, token) as c:
            c.timeout = httpx.Timeout(30.0)
            answers.append(c.get("/changes", params={"since": cursor, "wait": 20}).json())

    readers = [threading.Thread(target=poll) for _ in range(8)]
    for t in readers:
        t.start()
    wait_until(lambda: long_polls_waiting(server) == 8, "the long polls to wait")
    assert put(admin, {"call": {"warn_s": 30, "alert_s": 60}}, 0).status_code == 200
    for t in readers:
        t.join(10)
    assert len(answers) == 8
    assert {(a["settings_version"], a["cursor"]) for a in answers} == {(1, cursor + 1)}


def test_no_cached_answer_has_an_older_version_after_a_put(
    server: ServerThread, supervisor: httpx.Client, admin: httpx.Client
) -> None:
    """An answer for a cursor is shared for a second (feed/answers.py); a PUT through this
    instance makes the ones read before it stale at once, non-empty and empty alike."""
    cursor = supervisor.get("/users").json()["cursor"]
    agent_in(server, "break")
    shared = supervisor.get("/changes", params={"since": cursor, "wait": 0}).json()
    assert (len(shared["users"]), shared["settings_version"]) == (1, 0)
    empty = supervisor.get("/changes", params={"since": shared["cursor"], "wait": 0}).json()
    assert (empty["users"], empty["settings_version"]) == ([], 0)
    assert put(admin, {"break": {"warn_s": 10, "alert_s": 20}}, 0).status_code == 200
    # well within the cache's second: the same cursors are answered again
    again = supervisor.get("/changes", params={"since": cursor, "wait": 0}).json()
    assert again["settings_version"] == 1
    assert again["cursor"] == shared["cursor"] + 1
    after = supervisor.get("/changes", params={"since": shared["cursor"], "wait": 0}).json()
    assert (after["users"], after["settings_version"]) == ([], 1)


def test_the_role_is_checked_before_the_precondition(supervisor: httpx.Client) -> None:
    r = put(supervisor, {"break": {"warn_s": 0, "alert_s": 0}}, None)
    assert_problem(r, 403, "Your role (supervisor) cannot change time limits.")
