"""The bulk units against the real backend: preview counts, a reset over a mix of statuses,
a user changed between preview and run, filter scopes, roles, cancel mid-job."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from contact_center.domain.bulk import BulkRunner
from contact_center.storage.tables import audit, users
from contact_center.testing.server import ServerThread
from supervisor_console import bulk
from supervisor_console.api.client import ApiClient
from supervisor_console.api.errors import ForbiddenError
from supervisor_console.api.types import Status, UserRow
from supervisor_console.bulk import BULK_BY_KEY, BulkRequest, ScopeKind, make_scope
from supervisor_console.bulk.texts import preview_lines
from supervisor_console.controllers.bulk_runner import explain
from supervisor_console.panel.filters import PanelFilter
from tests.support.backend import agent_ids, set_state, sql_rows
from tests.support.console import signed_in

NOT_RESETTABLE = "not Unavailable or Busy"


async def seen_rows(client: ApiClient, ids: list[int]) -> list[UserRow]:
    every, _cursor = await client.users()
    by_id = {row.id: row for row in every}
    return [by_id[i] for i in ids]


def selected(rows_: list[UserRow], action: str, **params: object) -> BulkRequest:
    scope = make_scope(ScopeKind.SELECTED, rows_, rows_, {r.id: r for r in rows_}, PanelFilter())
    return BulkRequest(action, scope, dict(params))


def mix(small_server: ServerThread) -> list[int]:
    ids = agent_ids(small_server)[:7]
    set_state(small_server, ids[0], "busy", live_call=True)
    set_state(small_server, ids[1], "busy")
    set_state(small_server, ids[2], "unavailable")
    set_state(small_server, ids[3], "unavailable")
    for uid, status in zip(ids[4:], ("offline", "available", "break"), strict=True):
        set_state(small_server, uid, status)
    return ids


async def test_bulk_reset_over_a_mix_of_statuses(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    ids = mix(small_server)
    request = selected(await seen_rows(supervisor_api, ids), "reset-dialer")
    preview = await bulk.preview(supervisor_api, request)
    assert (preview.total, preview.will_change, preview.live_calls) == (7, 4, 1)
    assert preview.skipped == {NOT_RESETTABLE: 3}
    assert preview_lines(preview, BULK_BY_KEY["reset-dialer"])[1] == f"3 skipped: {NOT_RESETTABLE}"
    job_id = await bulk.submit(supervisor_api, request, request.scope.versions())
    seen: list[bulk.JobState] = []
    final = await bulk.follow(supervisor_api, job_id, seen.append, interval=0.02)
    assert final.state == "done"
    assert (final.done, final.skipped, final.failed) == (4, 3, 0)
    assert sorted(final.ids_with("done")) == sorted(ids[:4])
    assert {r.reason for r in final.results if r.outcome == "skipped"} == {NOT_RESETTABLE}
    statuses = {
        r["id"]: r["status"] for r in sql_rows(small_server, select(users.c.id, users.c.status))
    }
    assert [statuses[i] for i in ids] == ["available"] * 4 + ["offline", "available", "break"]
    audited = sql_rows(
        small_server, select(audit.c.target_id, audit.c.job_id).where(audit.c.job_id == job_id)
    )
    assert sorted(r["target_id"] for r in audited) == sorted(ids[:4])


async def test_a_user_changed_between_preview_and_run_is_skipped(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    ids = agent_ids(small_server)[:3]
    for uid in ids:
        set_state(small_server, uid, "unavailable")
    request = selected(await seen_rows(supervisor_api, ids), "reset-dialer")
    assert (await bulk.preview(supervisor_api, request)).will_change == 3
    set_state(
        small_server, ids[1], "busy", live_call=True
    )  # after the preview: never acted on blindly
    job_id = await bulk.submit(supervisor_api, request, request.scope.versions())
    final = await bulk.follow(supervisor_api, job_id, lambda _s: None, interval=0.02)
    assert sorted(final.ids_with("done")) == sorted([ids[0], ids[2]])
    (skipped,) = [r for r in final.results if r.outcome == "skipped"]
    assert skipped.user_id == ids[1]
    assert "changed since you looked" in skipped.reason
    assert (await supervisor_api.user(ids[1])).status is Status.BUSY


async def test_filter_scope_counts_what_the_panel_shows(
    small_server: ServerThread, admin_api: ApiClient
) -> None:
    mix(small_server)
    every, _cursor = await admin_api.users()
    wanted = PanelFilter(statuses=frozenset({Status.BUSY, Status.UNAVAILABLE}), role="agent")
    shown = [r for r in every if wanted.matches(r, False)]
    scope = make_scope(ScopeKind.FILTER, [], shown, {r.id: r for r in every}, wanted)
    assert scope.to_json()["kind"] == "filter"
    preview = await bulk.preview(admin_api, BulkRequest("add-tags", scope, {"values": ["outage"]}))
    assert preview.total == len(shown) >= 4
    assert preview.will_change == len(shown)


async def test_supervisor_running_an_admin_only_action_gets_the_403_explained(
    small_server: ServerThread, supervisor_api: ApiClient
) -> None:
    assert not BULK_BY_KEY["delete"].availability(supervisor_api.role).enabled
    request = selected(await seen_rows(supervisor_api, agent_ids(small_server)[:2]), "delete")
    with pytest.raises(ForbiddenError) as caught:
        await bulk.preview(supervisor_api, request)
    text = explain(caught.value)
    assert "Your role (supervisor) cannot delete users" in text
    assert "Only an admin" in text


@pytest.fixture
def big_server(tmp_path: Path) -> Iterator[ServerThread]:
    srv = ServerThread(tmp_path / "big.db", seed_users=700)
    srv.start()
    yield srv
    srv.stop()


async def test_cancel_mid_job_skips_what_has_not_started(big_server: ServerThread) -> None:
    admin_api = await signed_in(big_server.base_url, "admin")
    try:
        every, _cursor = await admin_api.users()
        scope = make_scope(ScopeKind.ALL, [], [], {r.id: r for r in every}, PanelFilter())
        request = BulkRequest("add-tags", scope, {"values": ["cancel-me"]})
        assert big_server.app is not None
        runner: BulkRunner = big_server.app.state.bulk_runner
        runner.limit_chunks(1)  # one chunk of 250 runs, then the job waits mid-way
        try:
            job_id = await bulk.submit(admin_api, request, scope.versions())
            async with asyncio.timeout(30):
                while (state := await bulk.fetch(admin_api, job_id)).processed == 0:  # noqa: ASYNC110 - the server's job state, polled over HTTP
                    await asyncio.sleep(0.02)
            await bulk.cancel(admin_api, job_id)
        finally:
            runner.limit_chunks(None)
        final = await bulk.follow(admin_api, job_id, lambda _s: None, interval=0.02)
    finally:
        await admin_api.aclose()
    assert final.state == "cancelled"
    assert state.processed > 0
    cancelled = [r for r in final.results if r.reason == "cancelled"]
    assert final.done == 250  # exactly the one chunk that ran before the cancel
    assert 0 < final.done < final.total
    assert len(cancelled) == final.total - final.done
    tagged = sql_rows(big_server, select(users.c.tags))
    assert sum("cancel-me" in r["tags"] for r in tagged) == final.done
