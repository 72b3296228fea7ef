"""The real backend in a thread, for tests: start it, sign in, put users in an exact state
through SQL, read tables back. Plain functions; the fixtures are in `servers`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, insert, select, update

from contact_center.domain import auth
from contact_center.feed.notifier import ChangeNotifier
from contact_center.sim.seed import seed
from contact_center.storage.clock import now
from contact_center.storage.journal import touch
from contact_center.storage.store import Store
from contact_center.storage.tables import audit, bulk_jobs, calls, sessions, users
from contact_center.testing.server import ServerThread
from tests.support.accounts import ADMIN_PW, SEED_USERS, SUPER_PW

PEER = "+15550009999"  # the other party of an arranged live call


def seed_database(db: str | Path, agents: int) -> None:
    """Seed an empty database (a SQLite path or a URL) with `agents` agents plus `admin`
    and `supervisor`; a SQLite file is checkpointed, ready to be copied."""
    store = Store(str(db))
    try:
        seed(store, agents, ADMIN_PW, SUPER_PW)
        if store.engine.dialect.name == "sqlite":
            with store.write() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.dispose()


def start_server(db: str | Path, **kwargs: Any) -> ServerThread:
    """A started ServerThread on `db` (seeded with SEED_USERS agents if empty)."""
    kwargs.setdefault("seed_users", SEED_USERS)
    srv = ServerThread(db, admin_password=ADMIN_PW, supervisor_password=SUPER_PW, **kwargs)
    return srv.start()


def store_of(server: ServerThread) -> Store:
    assert server.store is not None
    return server.store


def client_for(server: ServerThread, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{server.base_url}/api/v1", headers=headers, timeout=10.0)


def token_for(server: ServerThread, username: str) -> str:
    """A bearer token issued straight into the store (sign-in itself is tested on its own)."""
    with store_of(server).write() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
        token, _ = auth.issue_token(conn, uid)
    return token


def login(server: ServerThread, username: str, password: str) -> str:
    with client_for(server) as c:
        r = c.post("/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


# --- observable states of a running backend (wait on these, never sleep) ---------------------


def long_polls_waiting(server: ServerThread) -> int:
    """How many long polls the server holds, waiting for a commit, right now."""
    assert server.app is not None
    notifier = server.app.state.notifier
    assert isinstance(notifier, ChangeNotifier)
    return notifier.waiting


def bulk_jobs_pending(server: ServerThread) -> int:
    """Bulk jobs of the server's database still queued or running."""
    query = select(bulk_jobs.c.id).where(bulk_jobs.c.state.in_(["queued", "running"]))
    return count_rows(server, query)


# --- arranging state precisely through SQL -------------------------------------------------


def agent_ids(server: ServerThread) -> list[int]:
    with store_of(server).read() as conn:
        query = select(users.c.id).where(users.c.role == "agent").order_by(users.c.id)
        return [r[0] for r in conn.execute(query)]


def arrange(
    server: ServerThread,
    uid: int,
    *,
    status: str | None = None,
    live_call: bool | None = None,
    session_count: int | None = None,
    actor: str | None = None,
    **columns: Any,
) -> int:
    """Change only what is given of user `uid` (status, live call, sessions, any user
    column), as a real change: the version moves and the feed delivers it. Returns `uid`."""
    with store_of(server).write() as conn:
        values = dict(columns)
        if status is not None:
            values.update(status=status, status_text="Training" if status == "other" else None)
        if values:
            conn.execute(update(users).where(users.c.id == uid).values(**values))
        if live_call is not None:
            conn.execute(delete(calls).where(calls.c.user_id == uid, calls.c.ended_at.is_(None)))
            if live_call:
                conn.execute(
                    insert(calls).values(
                        user_id=uid, direction="inbound", peer=PEER,
                        started_at=now() - 30, recording=f"rec/{uid}/live.wav",
                    )
                )  # fmt: skip
        if session_count is not None:
            conn.execute(delete(sessions).where(sessions.c.user_id == uid))
            for i in range(session_count):
                conn.execute(
                    insert(sessions).values(
                        user_id=uid, client=("web", "desktop", "mobile")[i % 3],
                        started_at=now() - 100, last_seen=now(),
                    )
                )  # fmt: skip
        # Like every real change: a new version and a feed entry (the snapshot cache relies on it).
        touch(conn, [uid], actor)
    return uid


def set_state(
    server: ServerThread,
    uid: int,
    status: str,
    *,
    live_call: bool = False,
    session_count: int | None = None,
    **columns: Any,
) -> int:
    """Put user `uid` in `status` and nothing else: since now, a live call only if asked,
    sessions (one unless offline, or `session_count`). Returns `uid`."""
    count = (0 if status == "offline" else 1) if session_count is None else session_count
    columns.setdefault("status_since", now())
    return arrange(
        server, uid, status=status, live_call=live_call, session_count=count, actor="test",
        **columns,
    )  # fmt: skip


def agent_in(
    server: ServerThread,
    status: str,
    *,
    live_call: bool = False,
    sessions: int = 1,
    index: int = 0,
    **columns: Any,
) -> int:
    """An agent put in `status` (active, with sessions unless offline); returns its id."""
    uid = agent_ids(server)[index]
    columns.setdefault("active", True)
    return arrange(
        server, uid, status=status, live_call=live_call,
        session_count=0 if status == "offline" else sessions, **columns,
    )  # fmt: skip


# --- reading back -------------------------------------------------------------------------


def row(client: httpx.Client, uid: int) -> dict[str, Any]:
    """The API's row of user `uid`."""
    r = client.get(f"/users/{uid}")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def sql_rows(server: ServerThread, query: Any) -> list[dict[str, Any]]:
    with store_of(server).read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def count_rows(server: ServerThread, query: Any) -> int:
    with store_of(server).read() as conn:
        return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def audit_actions(server: ServerThread, uid: int) -> list[str]:
    found = sql_rows(server, select(audit.c.action).where(audit.c.target_id == uid))
    return [r["action"] for r in found]


def assert_problem(r: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """A problem answer with a readable detail containing each of `words`."""
    assert r.status_code == status, (r.status_code, r.text[:600])
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert len(body["detail"]) > 10, body["detail"]
    assert "Traceback" not in body["detail"], body["detail"]
    for word in words:
        assert word in body["detail"], (word, body["detail"])
    return body


def wait_job(client: httpx.Client, job_id: int, timeout: float = 20.0) -> dict[str, Any]:
    """Poll a bulk job over HTTP until it is done or cancelled (its state is only observable
    there); fail with the job as it is after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(f"/bulk-jobs/{job_id}").json()
        if job["state"] in ("done", "cancelled"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.02)
