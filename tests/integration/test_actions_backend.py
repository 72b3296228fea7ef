"""The action units against the real backend: what each one changes, refusals, retries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fixtures_actions import (
    ADMIN_PW,
    PEER,
    SUPER_PW,
    LoopbackProxy,
    agent_ids,
    arrange,
    audit_actions,
    count,
    rows,
    server,
)
from sqlalchemy import select

from contact_center.storage.tables import calls, leads, sessions, users
from contact_center.testing.server import ServerThread
from supervisor_console.actions import OutcomeKind, RetryPolicy, action, execute
from supervisor_console.actions.params import LogoutParams, PasswordParams, StatusChoice
from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import Status, UserRow

__all__ = ["server"]
FAST = RetryPolicy(attempts=4, first_delay=0.01)


async def signed_in(url: str, username: str, password: str) -> ApiClient:
    client = ApiClient(url)
    await client.login(username, password)
    return client


@pytest.fixture
async def admin(server: ServerThread) -> AsyncIterator[ApiClient]:
    client = await signed_in(server.base_url, "admin", ADMIN_PW)
    yield client
    await client.aclose()


@pytest.fixture
async def supervisor(server: ServerThread) -> AsyncIterator[ApiClient]:
    client = await signed_in(server.base_url, "supervisor", SUPER_PW)
    yield client
    await client.aclose()


async def seen(client: ApiClient, uid: int) -> UserRow:
    return await client.user(uid)


async def test_reset_busy_disconnects_the_call_and_keeps_its_log(
    server: ServerThread, supervisor: ApiClient
) -> None:
    uid = arrange(server, agent_ids(server)[0], "busy", live_call=True)
    row = await seen(supervisor, uid)
    before = rows(server, select(calls).where(calls.c.user_id == uid))
    outcome = await execute(supervisor, action("reset-dialer"), row, None)
    assert outcome.kind is OutcomeKind.DONE, outcome.message
    assert outcome.user is not None
    assert outcome.user.status is Status.AVAILABLE
    assert PEER in outcome.message
    assert "log was kept" in outcome.message
    after = rows(server, select(calls).where(calls.c.user_id == uid))
    assert len(after) == len(before)
    ended = [c for c in after if c["ended_by"] == "supervisor reset"]
    assert len(ended) == 1
    assert ended[0]["recording"] == f"rec/{uid}/live.wav"
    assert audit_actions(server, uid) == ["reset-dialer"]


async def test_conflict_when_the_status_changed_since_the_supervisor_looked(
    server: ServerThread, supervisor: ApiClient
) -> None:
    uid = arrange(server, agent_ids(server)[0], "busy", live_call=True)
    row = await seen(supervisor, uid)
    arrange(server, uid, "offline")
    outcome = await execute(supervisor, action("reset-dialer"), row, None)
    assert outcome.kind is OutcomeKind.CONFLICT
    assert "Nothing was done" in outcome.message
    assert "now Offline (you saw Busy)" in outcome.message
    assert outcome.user is not None
    assert outcome.user.status is Status.OFFLINE
    assert (await seen(supervisor, uid)).version == outcome.user.version  # nothing changed
    assert audit_actions(server, uid) == []


async def test_a_call_the_supervisor_did_not_see_is_never_disconnected(
    server: ServerThread, supervisor: ApiClient
) -> None:
    uid = arrange(server, agent_ids(server)[0], "busy", live_call=False)
    row = await seen(supervisor, uid)
    arrange(server, uid, "busy", live_call=True)  # same status, a new call
    outcome = await execute(supervisor, action("reset-dialer"), row, None)
    assert outcome.kind is OutcomeKind.CONFLICT
    assert f"now on a call with {PEER} that you did not see" in outcome.message
    assert count(server, select(calls).where(calls.c.ended_by == "supervisor reset")) == 0


async def test_supervisor_is_refused_admin_actions(
    server: ServerThread, supervisor: ApiClient
) -> None:
    uid = agent_ids(server)[1]
    row = await seen(supervisor, uid)
    outcome = await execute(supervisor, action("delete"), row, None)
    assert outcome.kind is OutcomeKind.FORBIDDEN
    assert outcome.message == "Your role (supervisor) cannot delete users."
    assert count(server, select(users).where(users.c.id == uid)) == 1


async def test_signed_out_is_reported_and_not_replayed(
    server: ServerThread, supervisor: ApiClient
) -> None:
    uid = arrange(server, agent_ids(server)[0], "unavailable")
    row = await seen(supervisor, uid)
    supervisor.use_token("revoked-or-expired", "supervisor")
    outcome = await execute(supervisor, action("reset-dialer"), row, None, retry=FAST)
    assert outcome.kind is OutcomeKind.SIGNED_OUT
    assert outcome.attempts == 1
    assert "Sign in again" in outcome.message
    assert "was not done" in outcome.message
    assert audit_actions(server, uid) == []


async def test_dropped_answer_is_retried_with_the_same_key_and_applied_once(
    server: ServerThread, supervisor: ApiClient
) -> None:
    uid = arrange(server, agent_ids(server)[0], "busy", live_call=True)
    row = await seen(supervisor, uid)
    with LoopbackProxy(server.port, drop_answers=1) as proxy:
        client = ApiClient(proxy.url, token=None)
        client.use_token(supervisor._token, "supervisor")
        try:
            outcome = await execute(client, action("reset-dialer"), row, None, retry=FAST)
        finally:
            await client.aclose()
        assert proxy.forwarded == 2
    assert outcome.kind is OutcomeKind.DONE
    assert outcome.attempts == 2
    assert outcome.replayed
    assert "applied once" in outcome.message
    assert audit_actions(server, uid) == ["reset-dialer"]
    assert count(server, select(calls).where(calls.c.ended_by == "supervisor reset")) == 1


async def test_unreachable_server_is_reported_as_unconfirmed(
    server: ServerThread, supervisor: ApiClient
) -> None:
    uid = arrange(server, agent_ids(server)[0], "unavailable")
    row = await seen(supervisor, uid)
    with LoopbackProxy(server.port) as proxy:
        proxy.refuse = True
        client = ApiClient(proxy.url)
        client.use_token(supervisor._token, "supervisor")
        try:
            outcome = await execute(client, action("reset-dialer"), row, None, retry=FAST)
        finally:
            await client.aclose()
    assert outcome.kind is OutcomeKind.UNCONFIRMED
    assert outcome.attempts == 4
    assert "applied at most once" in outcome.message
    assert audit_actions(server, uid) == []


async def test_deactivate_ends_sessions(server: ServerThread, admin: ApiClient) -> None:
    uid = arrange(server, agent_ids(server)[0], "break", session_count=2)
    outcome = await execute(admin, action("deactivate"), await seen(admin, uid), None)
    assert outcome.kind is OutcomeKind.DONE
    assert "2 sessions ended" in outcome.message
    assert outcome.user is not None
    assert not outcome.user.active
    assert outcome.user.status is Status.OFFLINE
    assert count(server, select(sessions).where(sessions.c.user_id == uid)) == 0
    again = await execute(admin, action("activate"), outcome.user, None)
    assert again.ok
    assert again.user is not None
    assert again.user.active


async def test_delete_unassigns_leads(server: ServerThread, admin: ApiClient) -> None:
    uid = agent_ids(server)[2]
    owned = count(server, select(leads).where(leads.c.owner_id == uid))
    total = count(server, select(leads))
    outcome = await execute(admin, action("delete"), await seen(admin, uid), None)
    assert outcome.kind is OutcomeKind.DONE
    assert outcome.deleted_id == uid
    assert f"{owned} lead" in outcome.message
    assert count(server, select(leads)) == total  # unassigned, not deleted
    assert count(server, select(leads).where(leads.c.owner_id == uid)) == 0


async def test_reset_password_secret_is_only_in_the_outcome(
    server: ServerThread, admin: ApiClient
) -> None:
    uid = arrange(server, agent_ids(server)[0], "available")
    row = await seen(admin, uid)
    outcome = await execute(admin, action("reset-password"), row, PasswordParams(False))
    assert outcome.ok
    assert outcome.secret
    assert len(outcome.secret) >= 8
    assert outcome.secret not in repr(outcome)
    assert "temporary_password" not in outcome.answer
    assert "1 session ended" in outcome.message
    stored = rows(server, select(users.c.must_change_password).where(users.c.id == uid))
    assert stored == [{"must_change_password": False}]


async def test_set_status_other_and_logout_one_session(
    server: ServerThread, supervisor: ApiClient
) -> None:
    uid = arrange(server, agent_ids(server)[0], "available", session_count=2)
    row = await seen(supervisor, uid)
    choice = StatusChoice(Status.OTHER, "Training")
    outcome = await execute(supervisor, action("set-status"), row, choice)
    assert outcome.ok
    assert outcome.message.endswith("is now Other: Training.")
    first = (await supervisor.sessions(uid))[0]["id"]
    assert outcome.user is not None
    one = await execute(supervisor, action("logout-session"), outcome.user, LogoutParams(first))
    assert one.ok
    assert "1 session ended" in one.message
    assert one.user is not None
    assert one.user.session_count == 1
    assert one.user.status is Status.OTHER


async def test_reset_2fa_conflicts_when_it_is_off(server: ServerThread, admin: ApiClient) -> None:
    uid = arrange(server, agent_ids(server)[0], "available", two_factor=True)
    row = await seen(admin, uid)
    done = await execute(admin, action("reset-2fa"), row, None)
    assert done.ok
    assert done.user is not None
    assert not done.user.two_factor
    refused = await execute(admin, action("reset-2fa"), done.user, None)
    assert refused.kind is OutcomeKind.CONFLICT
    assert "does not have two-factor authentication enabled" in refused.message
