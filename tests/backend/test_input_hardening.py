"""Issue 12, items 5-7: input both databases store, no exception text in answers, dates of
year 1, and a sign-in rate limit that X-Forwarded-For cannot bypass.

tests/postgres/test_pg_backend_suite.py runs this module again on PostgreSQL, where a NUL
or a 64-bit id used to reach the database and answer 500 with its error.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from contact_center.storage.tables import audit
from contact_center.testing.server import ServerThread
from tests.support.accounts import ADMIN_PW, SUPER_PW
from tests.support.backend import (
    agent_ids,
    agent_in,
    assert_problem,
    client_for,
    row,
    sql_rows,
    store_of,
    wait_job,
)

MAX_ROW_ID = 2**31 - 1
# Ids that passed validation but overflowed PostgreSQL's 32-bit columns (500), and others
# outside the range.
BAD_IDS = [2**31, 3_000_000_000, 2**63 - 1, 2**63, 0, -1]
LEAKS = ("SQL", "UPDATE", "parameters", "Traceback", "injected", "Error:")


def audit_count(server: ServerThread) -> int:
    found = sql_rows(server, select(func.count().label("n")).select_from(audit))
    return int(found[0]["n"])


def assert_no_leak(text: str) -> None:
    for word in LEAKS:
        assert word not in text, (word, text)


# --- item 5: NUL (and unpaired surrogates) in text -------------------------------------------

NUL = "A\x00B"


def _nul_requests(uid: int) -> list[tuple[str, str, dict[str, Any]]]:
    recycle = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
    ids_scope = {"kind": "ids", "ids": [uid]}
    return [
        ("PUT", f"/users/{uid}/status", {"json": {"status": "other", "text": NUL}}),
        ("GET", "/audit", {"params": {"actor": NUL}}),
        ("GET", "/audit", {"params": {"action": NUL}}),
        ("POST", f"/users/{uid}/reset", {"json": {"recycle": {**recycle, "first_name": NUL}}}),
        ("POST", f"/users/{uid}/reset", {"json": {"recycle": {**recycle, "last_name": NUL}}}),
        ("POST", f"/users/{uid}/reset", {"json": {"recycle": {**recycle, "email": NUL}}}),
        ("POST", "/bulk-jobs", {"json": {"action": "set-status", "scope": ids_scope,
                                         "params": {"status": "other", "text": NUL}}}),
        ("POST", "/bulk-jobs", {"json": {"action": "add-tags", "scope": ids_scope,
                                         "params": {"values": ["ok", NUL]}}}),
        ("POST", "/bulk-jobs/preview", {"json": {"action": "logout", "scope": {
            "kind": "filter", "filter": {"search": NUL}}}}),
    ]  # fmt: skip


def test_nul_in_text_is_a_readable_422_and_changes_nothing(
    server: ServerThread, admin: httpx.Client, anon: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    before, n_audit = row(admin, uid), audit_count(server)
    for method, path, kwargs in _nul_requests(uid):
        r = admin.request(method, path, **kwargs)
        assert_problem(r, 422, "NUL")
        assert r.headers["content-type"].startswith("application/problem+json")
    # Sign-in needs no token: the username went straight into a query.
    for body in ({"username": NUL, "password": "x"}, {"username": "admin", "password": NUL}):
        assert_problem(anon.post("/auth/login", json=body), 422, "NUL")
    assert row(admin, uid) == before
    assert audit_count(server) == n_audit
    assert admin.get("/bulk-jobs/1").status_code == 404  # no job was created


def test_unpaired_surrogate_is_a_readable_422(server: ServerThread, admin: httpx.Client) -> None:
    """JSON may carry "\\ud800", which neither database can encode."""
    uid = agent_in(server, "available")
    before = row(admin, uid)
    raw = {"Content-Type": "application/json"}
    r = admin.put(
        f"/users/{uid}/status", content=b'{"status": "other", "text": "x\\ud800"}', headers=raw
    )
    assert "unicode" in assert_problem(r, 422)["detail"].lower()
    r = admin.post("/auth/login", content=b'{"username": "\\udfff", "password": "x"}', headers=raw)
    assert "unicode" in assert_problem(r, 422)["detail"].lower()
    assert row(admin, uid) == before


def test_ordinary_text_still_passes(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    text = "Training \u00e9\u4e2d\U0001f600 \t tab"
    r = admin.put(f"/users/{uid}/status", json={"status": "other", "text": text})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["status_text"] == text
    r = admin.get("/audit", params={"actor": "admin", "action": "set-status"})
    assert r.status_code == 200
    assert r.json()[0]["target_id"] == uid


# --- item 5: ids bounded to the columns' type ------------------------------------------------


def _id_requests(bad: int) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", f"/users/{bad}", {}),
        ("GET", f"/users/{bad}/calls", {}),
        ("GET", f"/users/{bad}/sessions", {}),
        ("GET", f"/users/{bad}/activity", {}),
        ("GET", "/audit", {"params": {"user_id": bad}}),
        ("GET", "/audit", {"params": {"job_id": bad}}),
        ("GET", f"/bulk-jobs/{bad}", {}),
        ("POST", f"/bulk-jobs/{bad}/cancel", {}),
        ("POST", f"/users/{bad}/reset-dialer", {"json": {}}),
        ("PUT", f"/users/{bad}/status", {"json": {"status": "break"}}),
        ("DELETE", f"/users/{bad}", {}),
        ("POST", "/bulk-jobs", {"json": {"action": "logout",
                                         "scope": {"kind": "ids", "ids": [bad]}}}),
    ]  # fmt: skip


@pytest.mark.parametrize("bad", BAD_IDS)
def test_ids_outside_the_column_range_are_422(
    server: ServerThread, admin: httpx.Client, bad: int
) -> None:
    n_audit = audit_count(server)
    for method, path, kwargs in _id_requests(bad):
        r = admin.request(method, path, **kwargs)
        body = assert_problem(r, 422)
        assert str(MAX_ROW_ID) in body["detail"] or "greater than or equal to 1" in body["detail"]
    assert audit_count(server) == n_audit


def test_largest_id_is_looked_up(server: ServerThread, admin: httpx.Client) -> None:
    """2**31-1 passes validation and fits both databases: an unknown user or job."""
    top = MAX_ROW_ID
    assert_problem(admin.get(f"/users/{top}"), 404, str(top))
    assert_problem(admin.get(f"/users/{top}/sessions"), 404)
    assert_problem(admin.post(f"/users/{top}/reset-dialer", json={}), 404)
    assert_problem(admin.get(f"/bulk-jobs/{top}"), 404)
    assert admin.get(f"/users/{top}/calls").json() == []
    assert admin.get(f"/users/{top}/activity").json() == []
    assert admin.get("/audit", params={"user_id": top, "job_id": top}).json() == []
    r = admin.post("/bulk-jobs/preview", json={"action": "logout",
                                               "scope": {"kind": "ids", "ids": [top]}})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["skipped"] == {"no such user": 1}


def test_64_bit_numbers_are_bounded(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "busy")
    for session_id in (2**63, -1):
        r = admin.post(f"/users/{uid}/logout", json={"session_id": session_id})
        assert_problem(r, 422, "session_id")
    r = admin.post(f"/users/{uid}/logout", json={"session_id": 2**63 - 1})
    assert_problem(r, 409)  # the largest session id is looked up: no such session
    assert_problem(admin.get("/changes", params={"since": 2**63, "wait": 0}), 422, "since")
    assert admin.get("/changes", params={"since": 2**63 - 1, "wait": 0}).status_code == 410
    for tag in (str(2**63), "-1", '"99999999999999999999999"'):
        r = admin.put(f"/users/{uid}/status", json={"status": "break"}, headers={"If-Match": tag})
        assert_problem(r, 400, "If-Match")
    r = admin.put(
        f"/users/{uid}/status", json={"status": "break"}, headers={"If-Match": str(2**63 - 1)}
    )
    assert_problem(r, 409, "version")
    scope = {"kind": "ids", "ids": [uid]}
    for key in (str(2**31), "0", "-3", " 3", "\u0663"):
        r = admin.post("/bulk-jobs", json={"action": "logout", "scope": scope,
                                           "expected_versions": {key: 1}})  # fmt: skip
        assert_problem(r, 422, "user ids")
    r = admin.post("/bulk-jobs", json={"action": "logout", "scope": scope,
                                       "expected_versions": {str(uid): 2**63}})  # fmt: skip
    assert_problem(r, 422, "expected_versions")
    assert admin.get("/bulk-jobs/1").status_code == 404  # no job was created


# --- item 5: an unexpected error answers a generic problem, the log has the real one ---------


def fail_updates_of(server: ServerThread, uid: int) -> None:
    """A trigger makes every UPDATE of user `uid` fail in the database: an error no code
    path expects, on either database."""
    store = store_of(server)
    with store.write() as conn:
        if store.is_postgres:
            conn.exec_driver_sql(
                "CREATE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER injected_failure BEFORE UPDATE ON users FOR EACH ROW "
                f"WHEN (OLD.id = {int(uid)}) EXECUTE FUNCTION injected_failure()"
            )
        else:
            conn.exec_driver_sql(
                f"CREATE TRIGGER injected_failure BEFORE UPDATE ON users WHEN OLD.id = {int(uid)} "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )


def test_unexpected_error_is_a_generic_500_logged_with_the_request_id(
    server: ServerThread, admin: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    uid = agent_in(server, "available")
    fail_updates_of(server, uid)
    with caplog.at_level(logging.ERROR, logger="contact_center.api"):
        r = admin.put(f"/users/{uid}/status", json={"status": "other", "text": "Training"})
    body = assert_problem(r, 500, "request id")
    assert r.headers["content-type"].startswith("application/problem+json")
    request_id = r.headers["X-Request-ID"]
    assert body["request_id"] == request_id
    assert request_id in body["detail"]
    assert_no_leak(r.text)
    logged = [rec for rec in caplog.records if request_id in rec.getMessage()]
    assert logged, caplog.text
    assert logged[0].exc_info is not None
    assert "injected failure" in caplog.text  # the real error, in the log only
    assert row(admin, uid)["status"] == "available"


def test_failed_bulk_item_has_a_generic_reason(
    server: ServerThread, admin: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    failing, fine = agent_ids(server)[:2]
    fail_updates_of(server, failing)
    body = {"action": "add-tags", "scope": {"kind": "ids", "ids": [failing, fine]},
            "params": {"values": ["night"]}}  # fmt: skip
    with caplog.at_level(logging.ERROR, logger="contact_center.domain.bulk"):
        created = admin.post("/bulk-jobs", json=body)
        assert created.status_code == 202, created.text
        job_id = created.json()["id"]
        job = wait_job(admin, job_id, timeout=30.0)
    assert job["state"] == "done", job
    assert (job["done"], job["failed"]) == (1, 1), job
    outcomes = {r["user_id"]: (r["outcome"], r["reason"]) for r in job["results"]}
    assert outcomes[fine] == ("done", None)
    outcome, reason = outcomes[failing]
    assert outcome == "failed"
    assert reason == f"internal error; see the server log (bulk job {job_id})"
    assert_no_leak(json.dumps(job))
    assert f"bulk job {job_id}" in caplog.text
    assert "injected failure" in caplog.text
    assert "night" in row(admin, fine)["tags"]
    assert "night" not in row(admin, failing)["tags"]


# --- item 6: audit dates, from year 1 to year 9999 -------------------------------------------


def test_audit_dates_of_year_one_and_year_9999(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    assert admin.put(f"/users/{uid}/status", json={"status": "break"}).status_code == 200
    everything = admin.get("/audit").json()
    assert everything
    for since in ("0001-01-01T00:00:00", "0001-01-01", "0001-01-01T00:00:00Z",
                  "0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00-01:00"):  # fmt: skip
        r = admin.get("/audit", params={"since": since})
        assert r.status_code == 200, (since, r.text)
        assert r.json() == everything, since
    for until in ("0001-01-01", "0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00"):
        r = admin.get("/audit", params={"until": until})
        assert r.status_code == 200, (until, r.text)
        assert r.json() == [], until
    for until in ("9999-12-31T23:59:59.999999", "9999-12-31T23:59:59-14:00"):
        r = admin.get("/audit", params={"until": until})
        assert r.status_code == 200, (until, r.text)
        assert r.json() == everything, until
    assert admin.get("/audit", params={"since": "9999-12-31T23:59:59"}).json() == []


def test_audit_time_without_offset_is_utc(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    assert admin.put(f"/users/{uid}/status", json={"status": "dnd"}).status_code == 200
    newest = admin.get("/audit", params={"limit": 1}).json()[0]
    at = datetime.fromisoformat(newest["at"])
    assert at.utcoffset() == timedelta(0), newest["at"]
    before = (at - timedelta(seconds=1)).replace(tzinfo=None).isoformat()
    after = (at + timedelta(seconds=1)).replace(tzinfo=None).isoformat()
    assert admin.get("/audit", params={"since": before, "limit": 1}).json() == [newest]
    assert admin.get("/audit", params={"until": after, "limit": 1}).json() == [newest]
    assert admin.get("/audit", params={"since": after, "limit": 1}).json() == []
    assert admin.get("/audit", params={"until": before, "limit": 1}).json() == []
    # One hour east of UTC, the same wall-clock time is an hour earlier, west an hour later.
    assert admin.get("/audit", params={"since": after + "+01:00", "limit": 1}).json() == [newest]
    assert admin.get("/audit", params={"since": before + "-01:00", "limit": 1}).json() == []


@pytest.mark.parametrize(
    "value", ["0000-12-31", "10000-01-01", "2026-02-30", "yesterday", "1e30", "-1e30"]
)
def test_audit_dates_out_of_range_are_422(admin: httpx.Client, value: str) -> None:
    for name in ("since", "until"):
        r = admin.get("/audit", params={name: value})
        assert_problem(r, 422, name)


# --- item 7: the sign-in rate limit, per username and per address ----------------------------


def _login(
    client: httpx.Client, username: str, password: str, forwarded: str | None = None
) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/auth/login", json={"username": username, "password": password}, headers=headers
    )


def test_forwarded_for_does_not_bypass_the_limit(anon: httpx.Client) -> None:
    """The issue's reproduction: 12 wrong passwords, each claiming another address."""
    codes = [
        _login(anon, "admin", f"wrong-{i}", forwarded=f"198.51.100.{i}").status_code
        for i in range(12)
    ]
    assert codes == [401] * 5 + [429] * 7
    r = _login(anon, "admin", ADMIN_PW, forwarded="198.51.100.99")
    assert_problem(r, 429, "Too many failed sign-ins")
    assert int(r.headers["Retry-After"]) > 0


def test_username_limit_is_case_insensitive(anon: httpx.Client) -> None:
    for i, name in enumerate(["admin", "ADMIN", "Admin", "aDmin", "admiN"]):
        assert _login(anon, name, f"wrong-{i}").status_code == 401
    assert_problem(_login(anon, "admin", ADMIN_PW), 429, "Too many failed sign-ins")
    assert _login(anon, "supervisor", SUPER_PW).status_code == 200


def test_address_limit_counts_all_usernames_whatever_it_forwards(anon: httpx.Client) -> None:
    """Guessing at many accounts from one address: 20 failures, then that address waits,
    for every username. X-Forwarded-For from an untrusted peer (127.0.0.1 here) is ignored."""
    for i in range(20):
        r = _login(anon, f"nobody-{i}", "wrong", forwarded=f"203.0.113.{i}")
        assert r.status_code == 401, (i, r.text)
    r = _login(anon, "supervisor", SUPER_PW, forwarded="203.0.113.200")
    assert_problem(r, 429, "Too many failed sign-ins")


def test_a_trusted_proxy_forwards_the_address(make_server: Callable[..., ServerThread]) -> None:
    """With `forwarded_allow_ips` naming the proxy, the limit counts the forwarded address;
    the per-username limit still holds across forwarded addresses."""
    srv = make_server(forwarded_allow_ips="127.0.0.1")
    with client_for(srv) as anon:
        for i in range(20):
            assert _login(anon, f"nobody-{i}", "wrong", forwarded="203.0.113.7").status_code == 401
        assert_problem(_login(anon, "supervisor", SUPER_PW, forwarded="203.0.113.7"), 429)
        assert _login(anon, "supervisor", SUPER_PW, forwarded="203.0.113.8").status_code == 200
        codes = [
            _login(anon, "admin", "wrong", forwarded=f"198.51.100.{i}").status_code
            for i in range(6)
        ]
        assert codes == [401] * 5 + [429]


def test_success_clears_the_username_count_only(anon: httpx.Client) -> None:
    for i in range(4):
        assert _login(anon, "admin", f"wrong-{i}").status_code == 401
    assert _login(anon, "admin", ADMIN_PW).status_code == 200
    for i in range(4):  # a fresh count for admin ...
        assert _login(anon, "admin", f"wrong-again-{i}").status_code == 401
    assert _login(anon, "admin", ADMIN_PW).status_code == 200
    for i in range(12):  # ... but the address has 8 failures on its count: 20 in all
        assert _login(anon, f"nobody-{i}", "wrong").status_code == 401
    assert_problem(_login(anon, "supervisor", SUPER_PW), 429)
