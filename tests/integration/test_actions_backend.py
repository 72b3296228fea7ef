"""The action units against the real backend: what each one changes, refusals, retries."""

from __future__ import annotations

from sqlalchemy import select

from contact_center.storage.tables import calls, leads, sessions, users
from contact_center.testing.server import ServerThread
from supervisor_console.actions import OutcomeKind, RetryPolicy, action, execute
from supervisor_console.actions.params import LogoutParams, PasswordParams, StatusChoice
from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import Status, UserRow
from tests.support.backend import PEER, agent_ids, audit_actions, count_rows, set_state, sql_rows
from tests.support.proxy import LoopbackProxy

FAST = RetryPolicy(attempts=4, first_delay=0.01)


async def seen(client: ApiClient, uid: int) -> UserRow:
    return await client.user(uid)


async def test_reset_busy_disconnects_the_call_and_keeps_its_log(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "busy", live_call=True)
    row = await seen(supervisor_api, uid)
    before = sql_rows(small_server, select(calls).where(calls.c.user_id == uid))
    outcome = await execute(supervisor_api, action("reset-dialer"), row, None)
    assert outcome.kind is OutcomeKind.DONE, outcome.message
    assert outcome.user is not None
    assert outcome.user.status is Status.AVAILABLE
    assert PEER in outcome.message
    assert "log was kept" in outcome.message
    after = sql_rows(small_server, select(calls).where(calls.c.user_id == uid))
    assert len(after) == len(before)
    ended = [c for c in after if c["ended_by"] == "supervisor reset"]
    assert len(ended) == 1
    assert ended[0]["recording"] == f"rec/{uid}/live.wav"
    assert audit_actions(small_server, uid) == ["reset-dialer"]


async def test_conflict_when_the_status_changed_since_the_supervisor_looked(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "busy", live_call=True)
    row = await seen(supervisor_api, uid)
    set_state(small_server, uid, "offline")
    outcome = await execute(supervisor_api, action("reset-dialer"), row, None)
    assert outcome.kind is OutcomeKind.CONFLICT
    assert "Nothing was done" in outcome.message
    assert "now Offline (you saw Busy)" in outcome.message
    assert outcome.user is not None
    assert outcome.user.status is Status.OFFLINE
    assert (await seen(supervisor_api, uid)).version == outcome.user.version  # nothing changed
    assert audit_actions(small_server, uid) == []


async def test_a_call_the_supervisor_did_not_see_is_never_disconnected(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "busy", live_call=False)
    row = await seen(supervisor_api, uid)
    set_state(small_server, uid, "busy", live_call=True)  # same status, a new call
    outcome = await execute(supervisor_api, action("reset-dialer"), row, None)
    assert outcome.kind is OutcomeKind.CONFLICT
    assert f"now on a call with {PEER} that you did not see" in outcome.message
    assert (
        count_rows(small_server, select(calls).where(calls.c.ended_by == "supervisor reset")) == 0
    )


async def test_supervisor_is_refused_admin_actions(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    uid = agent_ids(small_server)[1]
    row = await seen(supervisor_api, uid)
    outcome = await execute(supervisor_api, action("delete"), row, None)
    assert outcome.kind is OutcomeKind.FORBIDDEN
    assert outcome.message == "Your role (supervisor) cannot delete users."
    assert count_rows(small_server, select(users).where(users.c.id == uid)) == 1


async def test_signed_out_is_reported_and_not_replayed(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "unavailable")
    row = await seen(supervisor_api, uid)
    supervisor_api.use_token("revoked-or-expired", "supervisor")
    outcome = await execute(supervisor_api, action("reset-dialer"), row, None, retry=FAST)
    assert outcome.kind is OutcomeKind.SIGNED_OUT
    assert outcome.attempts == 1
    assert "Sign in again" in outcome.message
    assert "was not done" in outcome.message
    assert audit_actions(small_server, uid) == []


async def test_dropped_answer_is_retried_with_the_same_key_and_applied_once(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "busy", live_call=True)
    row = await seen(supervisor_api, uid)
    with LoopbackProxy(small_server.port, drop_answers=1) as proxy:
        client = ApiClient(proxy.url, token=None)
        client.use_token(supervisor_api._token, "supervisor")
        try:
            outcome = await execute(client, action("reset-dialer"), row, None, retry=FAST)
        finally:
            await client.aclose()
        assert proxy.forwarded == 2
    assert outcome.kind is OutcomeKind.DONE
    assert outcome.attempts == 2
    assert outcome.replayed
    assert "applied once" in outcome.message
    assert audit_actions(small_server, uid) == ["reset-dialer"]
    assert (
        count_rows(small_server, select(calls).where(calls.c.ended_by == "supervisor reset")) == 1
    )


async def test_unreachable_server_is_reported_as_unconfirmed(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "unavailable")
    row = await seen(supervisor_api, uid)
    with LoopbackProxy(small_server.port) as proxy:
        proxy.refuse = True
        client = ApiClient(proxy.url)
        client.use_token(supervisor_api._token, "supervisor")
        try:
            outcome = await execute(client, action("reset-dialer"), row, None, retry=FAST)
        finally:
            await client.aclose()
    assert outcome.kind is OutcomeKind.UNCONFIRMED
    assert outcome.attempts == 4
    assert "applied at most once" in outcome.message
    assert audit_actions(small_server, uid) == []


async def test_deactivate_ends_sessions(small_server: ServerThread, admin_api: ApiClient) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "break", session_count=2)
    outcome = await execute(admin_api, action("deactivate"), await seen(admin_api, uid), None)
    assert outcome.kind is OutcomeKind.DONE
    assert "2 sessions ended" in outcome.message
    assert outcome.user is not None
    assert not outcome.user.active
    assert outcome.user.status is Status.OFFLINE
    assert count_rows(small_server, select(sessions).where(sessions.c.user_id == uid)) == 0
    again = await execute(admin_api, action("activate"), outcome.user, None)
    assert again.ok
    assert again.user is not None
    assert again.user.active


async def test_delete_unassigns_leads(small_server: ServerThread, admin_api: ApiClient) -> None:
    uid = agent_ids(small_server)[2]
    owned = count_rows(small_server, select(leads).where(leads.c.owner_id == uid))
    total = count_rows(small_server, select(leads))
    outcome = await execute(admin_api, action("delete"), await seen(admin_api, uid), None)
    assert outcome.kind is OutcomeKind.DONE
    assert outcome.deleted_id == uid
    assert f"{owned} lead" in outcome.message
    assert count_rows(small_server, select(leads)) == total  # unassigned, not deleted
    assert count_rows(small_server, select(leads).where(leads.c.owner_id == uid)) == 0


async def test_reset_password_secret_is_only_in_the_outcome(
    small_server: ServerThread, admin_api: ApiClient
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "available")
    row = await seen(admin_api, uid)
    outcome = await execute(admin_api, action("reset-password"), row, PasswordParams(False))
    assert outcome.ok
    assert outcome.secret
    assert len(outcome.secret) >= 8
    assert outcome.secret not in repr(outcome)
    assert "temporary_password" not in outcome.answer
    assert "1 session ended" in outcome.message
    stored = sql_rows(small_server, select(users.c.must_change_password).where(users.c.id == uid))
    assert stored == [{"must_change_password": False}]


async def test_set_status_other_and_logout_one_session(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "available", session_count=2)
    row = await seen(supervisor_api, uid)
    choice = StatusChoice(Status.OTHER, "Training")
    outcome = await execute(supervisor_api, action("set-status"), row, choice)
    assert outcome.ok
    assert outcome.message.endswith("is now Other: Training.")
    first = (await supervisor_api.sessions(uid))[0]["id"]
    assert outcome.user is not None
    one = await execute(supervisor_api, action("logout-session"), outcome.user, LogoutParams(first))
    assert one.ok
    assert "1 session ended" in one.message
    assert one.user is not None
    assert one.user.session_count == 1
    assert one.user.status is Status.OTHER


async def test_reset_2fa_conflicts_when_it_is_off(
    small_server: ServerThread, admin_api: ApiClient
) -> None:
    uid = set_state(small_server, agent_ids(small_server)[0], "available", two_factor=True)
    row = await seen(admin_api, uid)
    done = await execute(admin_api, action("reset-2fa"), row, None)
    assert done.ok
    assert done.user is not None
    assert not done.user.two_factor
    refused = await execute(admin_api, action("reset-2fa"), done.user, None)
    assert refused.kind is OutcomeKind.CONFLICT
    assert "does not have two-factor authentication enabled" in refused.message
