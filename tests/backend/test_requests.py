"""Preconditions, idempotency keys and bad input: refused cleanly, nothing half-written."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from contact_center.storage.tables import audit
from contact_center.testing.server import ServerThread
from tests.support.backend import (
    agent_ids,
    agent_in,
    assert_problem,
    client_for,
    row,
    sql_rows,
    start_server,
    token_for,
)

HUGE = 10**20


def audit_count(server: ServerThread) -> int:
    return int(sql_rows(server, select(func.count().label("n")).select_from(audit))[0]["n"])


# --- preconditions --------------------------------------------------------------------------


def test_expected_status_mismatch_is_409_with_current(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    uid = agent_in(server, "busy", live_call=True)
    before, n_audit = row(supervisor, uid), audit_count(server)
    r = supervisor.post(f"/users/{uid}/reset-dialer", json={"expected_status": "unavailable"})
    body = assert_problem(r, 409, "now Busy", "you saw Unavailable", "Nothing was done")
    assert body["current"] == before
    assert row(supervisor, uid) == before
    assert audit_count(server) == n_audit


def test_if_match_version(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    version = row(admin, uid)["version"]
    r = admin.put(
        f"/users/{uid}/status", json={"status": "break"}, headers={"If-Match": str(version + 1)}
    )
    body = assert_problem(r, 409, f"version {version}", f"you saw version {version + 1}")
    assert body["current"]["version"] == version
    assert body["current"]["status"] == "available"
    for form in ('"{}"', 'W/"{}"'):
        tag = form.format(version)
        r = admin.put(f"/users/{uid}/status", json={"status": "dnd"}, headers={"If-Match": tag})
        assert r.status_code == 200, r.text
        version = r.json()["user"]["version"]
    assert_problem(
        admin.put(f"/users/{uid}/status", json={"status": "dnd"}, headers={"If-Match": "*x"}),
        400,
        "If-Match",
    )


def test_delete_with_stale_precondition_changes_nothing(
    server: ServerThread, admin: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    before = row(admin, uid)
    assert_problem(admin.delete(f"/users/{uid}", params={"expected_status": "busy"}), 409)
    r = admin.delete(f"/users/{uid}", headers={"If-Match": str(before["version"] - 1)})
    assert_problem(r, 409)
    assert row(admin, uid) == before


# --- idempotency ----------------------------------------------------------------------------


def test_same_key_same_body_is_applied_once(server: ServerThread, supervisor: httpx.Client) -> None:
    uid = agent_in(server, "unavailable")
    version = row(supervisor, uid)["version"]
    key = {"Idempotency-Key": "k-1"}
    first = supervisor.post(
        f"/users/{uid}/reset-dialer", json={"expected_status": "unavailable"}, headers=key
    )
    assert first.status_code == 200
    assert first.json()["replayed"] is False
    again = supervisor.post(
        f"/users/{uid}/reset-dialer", json={"expected_status": "unavailable"}, headers=key
    )
    assert again.status_code == 200, again.text
    assert again.json() == {**first.json(), "replayed": True}
    assert row(supervisor, uid)["version"] == version + 1
    entries = supervisor.get("/audit", params={"user_id": uid, "action": "reset-dialer"}).json()
    assert len(entries) == 1
    # same key, another body
    r = supervisor.post(f"/users/{uid}/reset-dialer", json={"expected_status": "busy"}, headers=key)
    assert_problem(r, 422, "Idempotency-Key")
    r = supervisor.put(f"/users/{uid}/status", json={"status": "break"}, headers=key)
    assert_problem(r, 422, "Idempotency-Key")
    assert row(supervisor, uid)["version"] == version + 1


def test_keys_are_per_actor(
    server: ServerThread, admin: httpx.Client, supervisor: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    key = {"Idempotency-Key": "shared"}
    assert (
        supervisor.put(f"/users/{uid}/status", json={"status": "break"}, headers=key).json()[
            "replayed"
        ]
        is False
    )
    r = admin.put(f"/users/{uid}/status", json={"status": "break"}, headers=key)
    assert r.status_code == 200
    assert r.json()["replayed"] is False


def test_reset_password_replay_never_shows_the_password(
    server: ServerThread, admin: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    key = {"Idempotency-Key": "pw-1"}
    first = admin.post(f"/users/{uid}/reset-password", json={}, headers=key)
    assert first.status_code == 200
    assert first.json()["temporary_password"]
    again = admin.post(f"/users/{uid}/reset-password", json={}, headers=key)
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["temporary_password"] is None
    assert "shown only once" in again.json()["message"]
    assert first.json()["temporary_password"] not in again.text
    assert row(admin, uid)["version"] == first.json()["user"]["version"]


def test_a_refused_request_retried_with_its_key_gets_the_first_answer(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    """The first final answer is stored under the key, a refusal too (docs/API.md): the retry
    is the same request, not a new one, so it changes nothing even though it would apply now."""
    uid = agent_in(server, "offline")
    key = {"Idempotency-Key": "retry"}
    first = supervisor.put(f"/users/{uid}/status", json={"status": "break"}, headers=key)
    assert first.status_code == 409
    agent_in(server, "available")
    r = supervisor.put(f"/users/{uid}/status", json={"status": "break"}, headers=key)
    assert r.status_code == 409
    assert r.json()["detail"] == first.json()["detail"]
    assert r.json()["replayed"] is True
    assert row(supervisor, uid)["status"] == "available"
    fresh = {"Idempotency-Key": "a new attempt"}
    r = supervisor.put(f"/users/{uid}/status", json={"status": "break"}, headers=fresh)
    assert r.status_code == 200
    assert r.json()["user"]["status"] == "break"


# --- bad input ------------------------------------------------------------------------------

BAD_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/users/{uid}/reset-dialer", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
    ("POST", "/users/{uid}/reset-dialer", {"json": {"expected_status": 5}}),
    ("POST", "/users/{uid}/reset-dialer", {"json": {"expected_status": "asleep"}}),
    ("POST", "/users/{uid}/reset-dialer", {"json": {"expected_status": "busy", "force": True}}),
    ("POST", "/users/{uid}/reset-dialer", {"json": [1, 2]}),
    ("POST", "/users/{uid}/reset-dialer", {"json": "busy"}),
    ("POST", "/users/{uid}/logout", {"json": {"session_id": "one"}}),
    ("POST", "/users/{uid}/reset-password", {"json": {"require_change": "maybe"}}),
    ("POST", "/users/{uid}/reset", {"json": {"recycle": {"first_name": "A"}}}),
    ("POST", "/users/{uid}/reset", {"json": {"delete_voicemail": [True]}}),
    ("PUT", "/users/{uid}/status", {"json": {"status": "offline"}}),
    ("PUT", "/users/{uid}/status", {"json": {"status": "break", "text": "x" * 500}}),
    ("PUT", "/users/{uid}/status", {"json": {}}),
    ("POST", "/users/{uid}/reset-dialer", {"json": {}, "headers": {"Idempotency-Key": "k" * 200}}),
    ("POST", "/users/{uid}/reset-dialer", {"json": {}, "headers": {"If-Match": "v1"}}),
    ("DELETE", "/users/{uid}", {"params": {"expected_status": "gone"}}),
    ("POST", "/users/abc/reset-dialer", {"json": {}}),
    ("POST", f"/users/{HUGE}/reset-dialer", {"json": {}}),
    ("POST", f"/users/{-HUGE}/reset-dialer", {"json": {}}),
    ("DELETE", f"/users/{HUGE}", {}),
    ("GET", f"/users/{HUGE}", {}),
    ("GET", f"/users/{HUGE}/sessions", {}),
    ("GET", f"/users/{HUGE}/calls", {}),
    ("GET", f"/users/{HUGE}/activity", {}),
    ("GET", "/users/{uid}/calls", {"params": {"limit": 0}}),
    ("GET", "/users/{uid}/calls", {"params": {"limit": 10**9}}),
    ("GET", "/changes", {"params": {"since": -1, "wait": 0}}),
    ("GET", "/changes", {"params": {"since": HUGE, "wait": 0}}),
    ("GET", "/changes", {"params": {"since": "x", "wait": 0}}),
    ("GET", "/changes", {"params": {"since": 0, "wait": 31}}),
    ("GET", "/changes", {"params": {"since": 0, "wait": "nan"}}),
    ("GET", "/changes", {}),
    ("GET", "/audit", {"params": {"user_id": HUGE}}),
    ("GET", "/audit", {"params": {"job_id": HUGE}}),
    ("GET", "/audit", {"params": {"since": "yesterday"}}),
    ("GET", "/audit", {"params": {"limit": -5}}),
    ("GET", f"/bulk-jobs/{HUGE}", {}),
    ("POST", f"/bulk-jobs/{HUGE}/cancel", {}),
    ("POST", "/bulk-jobs", {"json": {"action": "explode", "scope": {"kind": "all"}}}),
    ("POST", "/bulk-jobs", {"json": {"action": "logout", "scope": {"kind": "some"}}}),
    ("POST", "/bulk-jobs", {"json": {"action": "logout", "scope": {"kind": "ids"}}}),
    ("POST", "/bulk-jobs", {"json": {"action": "set-status", "scope": {"kind": "all"}}}),
    ("POST", "/bulk-jobs", {"json": {"action": "add-tags", "scope": {"kind": "all"}}}),
    ("POST", "/bulk-jobs", {"json": {"action": "logout", "scope": {"kind": "all"}, "expected_versions": {"x": 1}}}),
    ("POST", "/bulk-jobs", {"json": {"action": "logout", "scope": {"kind": "ids", "ids": [3]}, "expected_versions": {"3": HUGE}}}),
    ("POST", "/bulk-jobs/preview", {"json": {"action": "logout", "scope": {"kind": "filter", "filter": {"statuses": ["gone"]}}}}),
    ("POST", "/auth/login", {"json": {"username": "", "password": "x"}}),
    ("POST", "/auth/login", {"json": {"username": "admin"}}),
    ("POST", "/auth/login", {"json": {"username": "u" * 100, "password": "x"}}),
]  # fmt: skip


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory, seeded_template: Path
) -> Iterator[tuple[ServerThread, httpx.Client]]:
    """One server for the bad requests: each must leave it exactly as it was."""
    db = tmp_path_factory.mktemp("bad-input") / "cc.db"
    shutil.copyfile(seeded_template, db)
    srv = start_server(db)
    try:
        agent_in(srv, "busy", live_call=True)
        with client_for(srv, token_for(srv, "admin")) as c:
            yield srv, c
    finally:
        srv.stop()


@pytest.mark.parametrize(("method", "path", "kwargs"), BAD_REQUESTS)
def test_bad_input_is_a_readable_4xx_and_changes_nothing(
    shared: tuple[ServerThread, httpx.Client], method: str, path: str, kwargs: dict[str, Any]
) -> None:
    server, admin = shared
    uid = agent_ids(server)[0]
    before, n_audit = admin.get("/users").json()["users"], audit_count(server)
    r = admin.request(method, path.format(uid=uid), **kwargs)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    body = r.json()
    assert isinstance(body["detail"], str), body
    assert len(body["detail"]) > 10, body
    assert r.headers["content-type"].startswith("application/problem+json")
    assert admin.get("/users").json()["users"] == before
    assert audit_count(server) == n_audit


def test_unknown_user_is_404(admin: httpx.Client) -> None:
    assert_problem(admin.get("/users/999999"), 404, "999999")
    assert_problem(admin.post("/users/999999/reset-dialer", json={}), 404, "999999")
    assert_problem(admin.put("/users/999999/status", json={"status": "break"}), 404)
    assert_problem(admin.get("/users/999999/sessions"), 404)
    assert_problem(admin.get("/bulk-jobs/999999"), 404)
    r = admin.get("/no-such-endpoint")
    assert r.status_code == 404
    assert r.json()["detail"]


def test_oversized_body_is_413(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "unavailable")
    before = row(admin, uid)
    big = b'{"expected_status": "unavailable", "pad": "' + b"x" * 2_100_000 + b'"}'
    r = admin.post(
        f"/users/{uid}/reset-dialer", content=big, headers={"Content-Type": "application/json"}
    )
    assert_problem(r, 413, "limited")
    assert row(admin, uid) == before


def test_chunked_body_is_refused(server: ServerThread, admin: httpx.Client) -> None:
    """A body without a Content-Length could bypass the size limit."""
    uid = agent_in(server, "unavailable")
    before = row(admin, uid)

    def chunks() -> Iterator[bytes]:
        yield b'{"expected_status": "unavailable", "pad": "'
        for _ in range(25):
            yield b"x" * 100_000
        yield b'"}'

    r = admin.post(
        f"/users/{uid}/reset-dialer", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_problem(r, 411, "Content-Length")
    assert row(admin, uid) == before


def test_a_409_says_whether_the_rule_refused_or_the_user_changed(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    uid = agent_in(server, "break")
    rule = supervisor.post(f"/users/{uid}/reset-dialer", json={})
    assert (rule.status_code, rule.json()["title"], rule.json()["reason"]) == (
        409, "Not allowed now", "rule",
    )  # fmt: skip
    changed = supervisor.post(f"/users/{uid}/reset-dialer", json={"expected_status": "busy"})
    assert (changed.status_code, changed.json()["title"], changed.json()["reason"]) == (
        409, "Changed since you looked", "changed",
    )  # fmt: skip
