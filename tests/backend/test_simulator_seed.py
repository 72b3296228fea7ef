"""The traffic simulator, the seed and the OpenAPI description."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from contact_center.sim.seed import seed
from contact_center.sim.simulator import Simulator
from contact_center.storage import tables
from contact_center.storage.journal import current_cursor
from contact_center.storage.rows import user_rows
from contact_center.storage.store import Store
from contact_center.testing.server import ServerThread
from tests.support.accounts import ADMIN_PW, SUPER_PW
from tests.support.backend import agent_ids, arrange, sql_rows, store_of


def rows_by_id(store: Store) -> dict[int, dict[str, object]]:
    with store.read() as conn:
        return {r["id"]: r for r in user_rows(conn)}


def test_step_moves_agents_and_records_changes(server: ServerThread) -> None:
    store = store_of(server)
    before = rows_by_id(store)
    with store.read() as conn:
        cursor, _ = current_cursor(conn)
    sim = Simulator(store, seed=3, stuck_rate=0.0)
    for _ in range(5):
        sim.step(10)
    after = rows_by_id(store)
    moved = [uid for uid in after if after[uid]["version"] != before[uid]["version"]]
    assert len(moved) >= 10
    assert any(after[uid]["status"] != before[uid]["status"] for uid in moved)
    assert all(after[uid]["role"] == "agent" and after[uid]["active"] for uid in moved)
    with store.read() as conn:
        seq, _ = current_cursor(conn)
        recorded = conn.execute(
            select(tables.changes.c.user_id).where(tables.changes.c.seq > cursor)
        ).scalars()
        assert set(recorded) == set(moved)
    assert seq > cursor
    # a live call is one per user at most, and only busy users start calls
    live = sql_rows(server, select(tables.calls).where(tables.calls.c.ended_at.is_(None)))
    assert len({c["user_id"] for c in live}) == len(live)


def test_stuck_calls_leave_busy_or_unavailable_without_a_call(server: ServerThread) -> None:
    store = store_of(server)
    ids = agent_ids(server)
    for uid in ids:
        arrange(server, uid, status="busy", live_call=True, session_count=1, active=True)
    sim = Simulator(store, seed=11, stuck_rate=1.0)
    for _ in range(10):
        sim.step(20)
    assert sim.stuck
    rows = rows_by_id(store)
    for uid in sim.stuck:
        assert rows[uid]["status"] in ("busy", "unavailable")
        assert rows[uid]["live_call"] is None
    # stuck users stay stuck until a supervisor resets them
    versions = {uid: rows[uid]["version"] for uid in sim.stuck}
    sim.step(200)
    assert {uid: rows_by_id(store)[uid]["version"] for uid in sim.stuck} == versions


def test_agent_kept_on_a_call_through_a_status_change_does_not_break_the_simulator(
    server: ServerThread,
) -> None:
    # A supervisor may set Break on a Busy agent: the call goes on. The simulator must
    # end that call rather than start a second one (one live call per user).
    for uid in agent_ids(server):
        arrange(server, uid, status="available", live_call=True, session_count=1, active=True)
    sim = Simulator(store_of(server), seed=2, stuck_rate=0.0)
    for _ in range(5):
        sim.step(40)
    live = sql_rows(server, select(tables.calls.c.user_id).where(tables.calls.c.ended_at.is_(None)))
    assert len(live) == len({c["user_id"] for c in live})


def test_seed_two_thousand(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "big.db"))
    try:
        started = time.perf_counter()
        seed(store, 2000, ADMIN_PW, SUPER_PW)
        took = time.perf_counter() - started
        with store.read() as conn:
            rows = user_rows(conn)
            n_numbers = conn.execute(
                select(func.count()).select_from(tables.phone_numbers)
            ).scalar()
        statuses = {r["status"] for r in rows}
    finally:
        store.dispose()
    assert len(rows) == 2002
    assert took < 20
    assert {"available", "busy", "unavailable", "offline"} <= statuses
    assert sum(r["role"] == "agent" for r in rows) == 2000
    assert any(r["status"] == "busy" and r["live_call"] is None for r in rows)  # stuck
    assert all(r["status"] == "offline" for r in rows if not r["active"])
    assert all(r["session_count"] == 0 for r in rows if r["status"] == "offline")
    assert n_numbers
    assert n_numbers > 1600


def test_openapi_lists_the_endpoints(anon: httpx.Client, server: ServerThread) -> None:
    spec = httpx.get(f"{server.base_url}/openapi.json").json()
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/changes", "get"),
        ("/api/v1/users/{user_id}", "get"),
        ("/api/v1/users/{user_id}", "delete"),
        ("/api/v1/users/{user_id}/sessions", "get"),
        ("/api/v1/users/{user_id}/calls", "get"),
        ("/api/v1/users/{user_id}/activity", "get"),
        ("/api/v1/users/{user_id}/reset-dialer", "post"),
        ("/api/v1/users/{user_id}/logout", "post"),
        ("/api/v1/users/{user_id}/deactivate", "post"),
        ("/api/v1/users/{user_id}/activate", "post"),
        ("/api/v1/users/{user_id}/reset-password", "post"),
        ("/api/v1/users/{user_id}/reset-2fa", "post"),
        ("/api/v1/users/{user_id}/reset", "post"),
        ("/api/v1/users/{user_id}/status", "put"),
        ("/api/v1/audit", "get"),
        ("/api/v1/bulk-jobs", "post"),
        ("/api/v1/bulk-jobs/preview", "post"),
        ("/api/v1/bulk-jobs/{job_id}", "get"),
        ("/api/v1/bulk-jobs/{job_id}/cancel", "post"),
    ]:
        assert method in paths.get(path, {}), (path, method)
    assert "ResetBody" in spec["components"]["schemas"]
