"""The Qt-free bulk units: catalogue and roles, scopes, texts, CSV, the job poll loop."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from supervisor_console.actions.catalogue import BY_KEY
from supervisor_console.api import wire
from supervisor_console.api.errors import MalformedResponseError
from supervisor_console.api.types import Status
from supervisor_console.api.wire import preview
from supervisor_console.bulk import (
    BULK_ACTIONS,
    BULK_BY_KEY,
    BulkRequest,
    Preview,
    ScopeKind,
    follow,
    make_scope,
    server_filter,
)
from supervisor_console.bulk.texts import (
    confirm_word,
    preview_lines,
    progress_text,
    results_csv,
    scope_text,
)
from supervisor_console.dev.samples import make_row
from supervisor_console.panel.filters import PanelFilter

ROWS = {i: make_row(i, version=i + 10) for i in range(1, 6)}


def job_json(state: str = "running", **counts: int) -> dict[str, Any]:
    results = [
        {"user_id": 1, "name": 'Ada, "the" first', "outcome": "done", "reason": None},
        {"user_id": 2, "name": "Alan", "outcome": "skipped", "reason": "not Unavailable or Busy"},
        {"user_id": 3, "name": "Grace", "outcome": "failed", "reason": "OperationalError: locked"},
    ]
    base = {"id": 7, "action": "reset-dialer", "state": state, "total": 3, "done": 1,
            "skipped": 1, "failed": 1, "results": results}  # fmt: skip
    return {**base, **counts}


def test_catalogue_covers_the_backend_actions_and_shares_the_single_user_rules() -> None:
    keys = {a.key for a in BULK_ACTIONS}
    assert {"activate", "deactivate", "delete", "logout", "reset-dialer", "set-status"} <= keys
    assert {
        f"{m}-{c}" for m in ("add", "remove", "set") for c in ("skills", "tags", "desks")
    } <= keys
    assert "set-role" in keys
    for key in ("activate", "deactivate", "delete", "logout", "reset-dialer", "set-status"):
        assert BULK_BY_KEY[key].admin_only == BY_KEY[key].admin_only
        assert BULK_BY_KEY[key].verb == BY_KEY[key].verb


def test_admin_only_actions_are_disabled_for_a_supervisor_with_the_reason() -> None:
    delete = BULK_BY_KEY["delete"].availability("supervisor")
    assert not delete.enabled
    assert delete.reason == "Your role (supervisor) cannot delete users."
    assert not BULK_BY_KEY["add-skills"].availability("supervisor").enabled
    assert BULK_BY_KEY["reset-dialer"].availability("supervisor").enabled
    assert BULK_BY_KEY["delete"].availability("admin").enabled
    assert BULK_BY_KEY["delete"].availability(None).enabled  # unknown: the server decides


def test_filters_translate_to_the_server_filter() -> None:
    panel = PanelFilter(
        search="ada", statuses=frozenset({Status.BUSY, Status.UNAVAILABLE}), desk="Sales",
        role="agent", skill="english", tag="night", active=True,
    )  # fmt: skip
    assert server_filter(panel) == {
        "search": "ada", "statuses": ["busy", "unavailable"], "desk": "Sales",
        "role": "agent", "skill": "english", "tag": "night", "active": True,
    }  # fmt: skip
    assert server_filter(PanelFilter()) == {}
    assert server_filter(PanelFilter(active=False)) == {"active": False}
    assert server_filter(PanelFilter(stuck_only=True)) is None


def test_scopes_and_request_bodies() -> None:
    selected, shown = [ROWS[2], ROWS[4]], [ROWS[1], ROWS[2], ROWS[4]]
    desk = PanelFilter(desk="Sales")
    scope = make_scope(ScopeKind.SELECTED, selected, shown, ROWS, desk)
    assert scope.to_json() == {"kind": "ids", "ids": [2, 4]}
    assert scope.versions() == {"2": 12, "4": 14}
    by_filter = make_scope(ScopeKind.FILTER, selected, shown, ROWS, desk)
    assert by_filter.to_json() == {"kind": "filter", "filter": {"desk": "Sales"}}
    assert by_filter.count == 3
    stuck = make_scope(ScopeKind.FILTER, selected, shown, ROWS, PanelFilter(stuck_only=True))
    assert stuck.to_json() == {"kind": "ids", "ids": [1, 2, 4]}
    everyone = make_scope(ScopeKind.ALL, selected, shown, ROWS, desk)
    request = BulkRequest("add-tags", everyone, {"values": ["vip"]})
    assert request.body() == {
        "action": "add-tags",
        "scope": {"kind": "all"},
        "params": {"values": ["vip"]},
    }
    assert request.body(everyone.versions())["expected_versions"]["5"] == 15
    assert scope_text(ScopeKind.ALL, 1234) == "All users (1,234 users)"


def test_preview_texts_and_what_must_be_typed() -> None:
    preview = wire.preview(
        {"total": 60, "will_change": 40, "skipped": {"not Unavailable or Busy": 12, "Offline": 8},
         "live_calls": 3}
    )  # fmt: skip
    reset = BULK_BY_KEY["reset-dialer"]
    assert preview_lines(preview, reset) == [
        "40 users will be changed (reset dialer status).",
        "12 skipped: not Unavailable or Busy",
        "8 skipped: Offline",
        "3 live calls will be disconnected (call logs and recordings are kept).",
    ]
    assert confirm_word(reset, preview) == "40"
    calm = Preview(60, 40, {}, 0)
    assert confirm_word(reset, calm) is None
    assert confirm_word(BULK_BY_KEY["delete"], calm) == "DELETE"
    assert confirm_word(BULK_BY_KEY["deactivate"], calm) == "40"
    assert confirm_word(BULK_BY_KEY["add-tags"], calm) is None
    with pytest.raises(MalformedResponseError):
        wire.preview({"total": 1})


def test_job_state_results_and_csv() -> None:
    state = wire.job_state(job_json("done"))
    assert state.finished
    assert state.processed == 3
    assert state.ids_with("failed") == [3]
    assert progress_text(state) == "Finished: 3 of 3 users — 1 done · 1 skipped · 1 failed"
    text = results_csv(state.results)
    assert list(csv.reader(io.StringIO(text))) == [
        ["user_id", "name", "outcome", "reason"],
        ["1", 'Ada, "the" first', "done", ""],
        ["2", "Alan", "skipped", "not Unavailable or Busy"],
        ["3", "Grace", "failed", "OperationalError: locked"],
    ]
    with pytest.raises(MalformedResponseError):
        wire.job_state({"id": "x"})


def _compact(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()  # as the server sends it


class FakeJobs:
    """Answers GET /bulk-jobs/7 with the given states in turn."""

    def __init__(self, states: list[dict[str, Any]]) -> None:
        self.states = states
        self.calls: list[tuple[str, str]] = []

    async def request(self, method: str, path: str, *, json: Any = None, parse: bool = True) -> Any:
        self.calls.append((method, path))
        body = self.states.pop(0)
        return body if parse else _compact(body)


async def test_follow_reports_every_state_until_the_job_finishes() -> None:
    counts_only = {**job_json("cancelled"), "results": []}
    jobs = FakeJobs(
        [job_json("queued", done=0), job_json("running"), counts_only, job_json("cancelled")]
    )
    seen: list[str] = []
    last = await follow(jobs, 7, lambda s: seen.append(s.state), interval=0)
    assert seen == ["queued", "running", "cancelled"]
    polls = [("GET", "/bulk-jobs/7?results=false")] * 3
    assert jobs.calls == [*polls, ("GET", "/bulk-jobs/7")]  # results once, at the end
    assert last.results == wire.job_state(job_json("cancelled")).results


def test_a_set_status_preview_says_the_calls_go_on() -> None:
    """Issue 14, item 1: a status set over live calls does not end them, and says so."""
    answer = {"total": 5, "will_change": 5, "skipped": {}, "live_calls": 0, "calls_continue": 2}
    lines = preview_lines(preview(answer), BULK_BY_KEY["set-status"])
    assert lines[-1] == "2 live calls go on; those agents get no queue calls until Available."
