"""Who may act on whom, checked in the write's own transaction (issue 12, through HTTP).

Two admins deactivating each other, a bulk job outliving its creator's authority, a sign-in
racing a password reset, supervisors and admin accounts, idempotent refusals, demotion,
and the bulk preview agreeing with the job.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from contact_center.domain import auth, authority
from contact_center.domain.bulk import BulkRunner
from contact_center.domain.errors import RefusedError
from contact_center.storage.tables import audit, users
from contact_center.testing.server import ServerThread
from tests.support.accounts import ADMIN_PW
from tests.support.backend import (
    agent_ids,
    arrange,
    client_for,
    store_of,
    token_for,
    wait_job,
)


def user(server: ServerThread, uid: int) -> dict[str, Any]:
    with store_of(server).read() as conn:
        return dict(conn.execute(select(users).where(users.c.id == uid)).one()._mapping)


def uid_of(server: ServerThread, username: str) -> int:
    with store_of(server).read() as conn:
        found: int = conn.execute(
            select(users.c.id).where(users.c.username == username)
        ).scalar_one()
    return found


def second_admin(server: ServerThread, index: int = 0) -> tuple[int, str]:
    """An agent made an active admin through SQL; its id and a token."""
    uid = agent_ids(server)[index]
    arrange(server, uid, role="admin", active=True)
    return uid, token_for(server, user(server, uid)["username"])


def active_admins(server: ServerThread) -> int:
    with store_of(server).read() as conn:
        return authority.active_admins(conn)


def runner_of(server: ServerThread) -> BulkRunner:
    assert server.app is not None
    runner: BulkRunner = server.app.state.bulk_runner
    return runner


# -- 1. the actor's authority, in the write's transaction --------------------------------------


def test_admins_deactivating_each_other_at_once_leave_an_active_admin(
    server: ServerThread, admin: httpx.Client
) -> None:
    x_id, x_token = second_admin(server)
    with client_for(server, x_token) as x:
        for _round in range(8):
            barrier = threading.Barrier(2)
            answers: dict[str, int] = {}

            def go(
                name: str,
                client: httpx.Client,
                target: int,
                barrier: threading.Barrier = barrier,
                answers: dict[str, int] = answers,
            ) -> None:
                barrier.wait()
                answers[name] = client.post(f"/users/{target}/deactivate", json={}).status_code

            threads = [
                threading.Thread(target=go, args=("admin", admin, x_id)),
                threading.Thread(target=go, args=("x", x, 1)),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(20)
            assert sorted(answers.values()) in ([200, 401], [200, 403]), answers
            assert active_admins(server) >= 1
            assert user(server, 1)["active"] != user(server, x_id)["active"]
            # Start the next round from two active admins with live tokens.
            arrange(server, 1, active=True)
            arrange(server, x_id, active=True)
            admin.headers["Authorization"] = f"Bearer {token_for(server, 'admin')}"
            x.headers["Authorization"] = (
                f"Bearer {token_for(server, user(server, x_id)['username'])}"
            )


def test_an_admin_deactivated_a_moment_ago_cannot_act(server: ServerThread) -> None:
    """The token was checked (and cached) while the account was active; the write reads the
    account again and refuses."""
    x_id, x_token = second_admin(server)
    target = agent_ids(server)[1]
    with client_for(server, x_token) as x:
        assert x.get("/auth/me").status_code == 200  # the token is now cached as valid
        arrange(server, x_id, active=False)  # through SQL: no cache is told
        r = x.post(f"/users/{target}/deactivate", json={})
    assert r.status_code in (401, 403), r.text
    if r.status_code == 403:
        assert r.json()["detail"] == "Your account is deactivated."


def test_no_write_leaves_no_active_admin(server: ServerThread) -> None:
    """The last safeguard, under every action that takes an admin away: with one active admin
    left, deactivating, deleting or demoting them is refused."""
    store = store_of(server)
    with store.read() as conn:
        assert authority.active_admins(conn) == 1
        last = dict(conn.execute(select(users).where(users.c.id == 1)).one()._mapping)
    for action, params in [("deactivate", {}), ("delete", {}), ("set-role", {"role": "agent"})]:
        with store.read() as conn, pytest.raises(RefusedError) as refused:
            authority.check_admins_left(conn, action, last, params)
        assert refused.value.reason == "last active admin"
        assert "is the last active admin" in str(refused.value)
    with store.read() as conn:
        authority.check_admins_left(conn, "set-role", last, {"role": "admin"})  # no change


# -- 2. a bulk job checks its creator's authority at every chunk --------------------------------


def test_bulk_job_of_a_creator_who_lost_authority_is_cancelled(
    server: ServerThread, admin: httpx.Client
) -> None:
    x_id, x_token = second_admin(server)
    targets = [1, *agent_ids(server)[3:8]]
    runner = runner_of(server)
    runner.limit_chunks(0)  # the job waits before its first chunk
    try:
        with client_for(server, x_token) as x:
            r = x.post(
                "/bulk-jobs",
                json={"action": "deactivate", "scope": {"kind": "ids", "ids": targets}},
            )
            assert r.status_code == 202, r.text
            job_id = r.json()["id"]
        assert admin.post(f"/users/{x_id}/deactivate", json={}).status_code == 200
    finally:
        runner.limit_chunks(None)
    job = wait_job(admin, job_id)
    assert job["state"] == "cancelled"
    assert job["done"] == 0
    reasons = {item["reason"] for item in job["results"]}
    x_name = user(server, x_id)["username"]
    assert reasons == {f"cancelled: {x_name} can no longer deactivate users (account deactivated)"}
    assert user(server, 1)["active"]
    with store_of(server).read() as conn:
        by_x = conn.execute(select(audit.c.id).where(audit.c.actor == x_name)).all()
    assert by_x == []


def test_bulk_job_of_a_demoted_creator_is_cancelled(
    server: ServerThread, admin: httpx.Client
) -> None:
    x_id, x_token = second_admin(server)
    runner = runner_of(server)
    runner.limit_chunks(0)
    try:
        with client_for(server, x_token) as x:
            r = x.post(
                "/bulk-jobs",
                json={
                    "action": "add-tags",
                    "scope": {"kind": "ids", "ids": agent_ids(server)[3:6]},
                    "params": {"values": ["late"]},
                },
            )
            job_id = r.json()["id"]
        arrange(server, x_id, role="supervisor")  # demoted while the job waits
    finally:
        runner.limit_chunks(None)
    job = wait_job(admin, job_id)
    assert job["state"] == "cancelled"
    assert {i["reason"] for i in job["results"]} == {
        f"cancelled: {user(server, x_id)['username']} can no longer change tags "
        "(role is now supervisor)"
    }


# -- 3. a sign-in never outlives a password reset -----------------------------------------------


def test_a_sign_in_racing_a_password_reset_gets_no_lasting_token(
    server: ServerThread, admin: httpx.Client
) -> None:
    """Sign-ins with the old password run while an admin resets it: every token issued in the
    race answers 401 afterwards."""
    x_id, _ = second_admin(server)
    x_name = user(server, x_id)["username"]
    arrange(server, x_id, role="supervisor")
    # A known password for x, set through SQL (the test needs to know it).
    arrange(server, x_id, password_hash=auth.hash_password(ADMIN_PW))
    tokens: list[str] = []
    stop = threading.Event()

    def sign_in() -> None:
        with client_for(server) as c:
            while not stop.is_set():
                r = c.post("/auth/login", json={"username": x_name, "password": ADMIN_PW})
                if r.status_code == 200:
                    tokens.append(r.json()["token"])
                elif r.status_code in (401, 429):
                    return
                else:
                    raise AssertionError(r.text)

    threads = [threading.Thread(target=sign_in) for _ in range(3)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(tokens) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)  # a few sign-ins have succeeded: the race is on
    r = admin.post(f"/users/{x_id}/reset-password", json={"require_change": False})
    assert r.status_code == 200, r.text
    stop.set()
    for t in threads:
        t.join(20)
    assert tokens
    with client_for(server) as c:
        for token in tokens:
            me = c.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 401, (me.status_code, me.text)


# -- 4. supervisors act on agents; admin accounts are for admins --------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "logout", {}),
        ("PUT", "status", {"status": "break"}),
        ("POST", "reset-dialer", {}),
    ],
)
def test_a_supervisor_cannot_act_on_an_admin_or_a_supervisor(
    server: ServerThread, supervisor: httpx.Client, method: str, path: str, body: dict[str, Any]
) -> None:
    other_supervisor = agent_ids(server)[0]
    arrange(server, other_supervisor, role="supervisor", status="busy", session_count=1)
    arrange(server, 1, status="busy", session_count=1)
    for target, kind in [(1, "an admin"), (other_supervisor, "a supervisor")]:
        before = user(server, target)
        r = supervisor.request(method, f"/users/{target}/{path}", json=body)
        assert r.status_code == 403, r.text
        assert r.json()["detail"] == (
            f"Only an admin can act on {kind}'s account; supervisors act on agents."
        )
        assert user(server, target)["version"] == before["version"]


def test_a_supervisors_bulk_logout_skips_admins_and_supervisors(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    agents = agent_ids(server)
    arrange(server, agents[0], role="supervisor", session_count=1)
    arrange(server, 1, session_count=2)
    for uid in agents[1:4]:
        arrange(server, uid, status="available", session_count=1)
    request = {"action": "logout", "scope": {"kind": "ids", "ids": [1, 2, *agents[:4]]}}
    preview = supervisor.post("/bulk-jobs/preview", json=request).json()
    assert preview["skipped"]["admin account"] == 1
    assert preview["skipped"]["supervisor account"] == 1  # the promoted agent
    assert preview["skipped"]["your own account"] == 1  # the caller
    r = supervisor.post("/bulk-jobs", json=request)
    job = wait_job(supervisor, r.json()["id"])
    by_id = {item["user_id"]: item for item in job["results"]}
    assert by_id[1] == {**by_id[1], "outcome": "skipped", "reason": "admin account"}
    assert by_id[agents[0]]["reason"] == "supervisor account"
    assert job["done"] == preview["will_change"] == 3
    assert user(server, 1)["status"] != "offline"


# -- 8. idempotency replays the first answer, a refusal too -------------------------------------


def test_a_retried_refusal_answers_the_same_refusal_and_changes_nothing(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    uid = agent_ids(server)[2]
    arrange(server, uid, status="break", session_count=1)
    key = {"Idempotency-Key": "retry-after-409"}
    first = supervisor.post(f"/users/{uid}/reset-dialer", json={}, headers=key)
    assert first.status_code == 409, first.text
    arrange(server, uid, status="busy", live_call=True)  # now a reset would apply
    version = user(server, uid)["version"]
    again = supervisor.post(f"/users/{uid}/reset-dialer", json={}, headers=key)
    assert again.status_code == 409, again.text
    assert again.json()["detail"] == first.json()["detail"]
    assert again.json()["replayed"] is True
    assert user(server, uid)["status"] == "busy"
    assert user(server, uid)["version"] == version
    # Another key is a new request: it applies.
    fresh = supervisor.post(
        f"/users/{uid}/reset-dialer", json={}, headers={"Idempotency-Key": "k2"}
    )
    assert fresh.status_code == 200, fresh.text


def test_a_retried_forbidden_answer_is_replayed(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    key = {"Idempotency-Key": "forbidden-once"}
    first = supervisor.put("/users/1/status", json={"status": "break"}, headers=key)
    assert first.status_code == 403
    again = supervisor.put("/users/1/status", json={"status": "break"}, headers=key)
    assert (again.status_code, again.json()["detail"]) == (403, first.json()["detail"])
    assert again.json()["replayed"] is True


# -- 9. a role change ends the user's tokens ----------------------------------------------------


def test_a_demoted_users_token_stays_dead_after_re_promotion(
    server: ServerThread, admin: httpx.Client
) -> None:
    uid = agent_ids(server)[0]
    arrange(server, uid, role="supervisor", active=True)
    token = token_for(server, user(server, uid)["username"])
    with client_for(server, token) as x:
        assert x.get("/auth/me").status_code == 200
        for role in ("agent", "supervisor"):
            job = admin.post("/bulk-jobs", json={
                "action": "set-role", "scope": {"kind": "ids", "ids": [uid]},
                "params": {"role": role},
            }).json()  # fmt: skip
            assert wait_job(admin, job["id"])["done"] == 1
            assert x.get("/auth/me").status_code == 401
