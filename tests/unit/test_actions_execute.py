"""Sending an action without a server: one key per confirmed attempt, what is retried, and
the pending-reset watch with a fake clock."""

from __future__ import annotations

from typing import Any

from supervisor_console.actions import OutcomeKind, RetryPolicy, action, execute
from supervisor_console.actions.flow import notice_title
from supervisor_console.actions.reset_watch import ResetWatch, WatchState, mark_text
from supervisor_console.api.errors import (
    ApiError,
    AuthError,
    NetworkError,
    ServerError,
)
from supervisor_console.api.problems import error_for_status
from supervisor_console.api.types import Status
from supervisor_console.dev.samples import make_row

FAST = RetryPolicy(attempts=3, first_delay=0.001)
ROW = make_row(5, status=Status.UNAVAILABLE, version=8, first_name="Ada", last_name="L")


class ScriptedClient:
    """Answers (or raises) from a script and records every request."""

    role: str | None = "supervisor"

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.sent: list[dict[str, Any]] = []

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        self.sent.append({"method": method, "path": path, **kwargs})
        step = self.script.pop(0)
        if isinstance(step, ApiError):
            raise step
        return step


def answer(status: str = "available") -> dict[str, Any]:
    user = {**_row_json(), "status": status, "version": 9}
    return {"user": user, "disconnected_call": None, "message": "Ada L is now Available."}


def _row_json() -> dict[str, Any]:
    return {
        "id": 5, "version": 8, "username": "agent5", "first_name": "Ada", "last_name": "L",
        "email": None, "extension": "1005", "phone_number": None, "role": "agent",
        "desks": [], "skills": [], "tags": [], "active": True, "two_factor": False,
        "status": "unavailable", "status_text": None, "status_since": "2026-11-23T09:00:00+00:00",
        "live_call": None, "session_count": 1, "last_activity": None, "changed_by": None,
        "changed_at": None,
    }  # fmt: skip


async def test_retries_reuse_one_key_and_the_same_body() -> None:
    client = ScriptedClient(NetworkError("dropped"), ServerError("x", status=503), answer())
    outcome = await execute(client, action("reset-dialer"), ROW, None, retry=FAST)
    assert outcome.kind is OutcomeKind.DONE
    assert outcome.attempts == 3
    keys = {s["headers"]["Idempotency-Key"] for s in client.sent}
    assert len(keys) == 1
    assert len(client.sent) == 3
    assert all(s["headers"]["If-Match"] == "8" for s in client.sent)
    assert all(s["json"] == {"expected_status": "unavailable"} for s in client.sent)
    assert outcome.user is not None
    assert outcome.user.status is Status.AVAILABLE


async def test_each_confirmed_attempt_gets_a_new_key() -> None:
    client = ScriptedClient(answer(), answer())
    await execute(client, action("reset-dialer"), ROW, None, retry=FAST)
    await execute(client, action("reset-dialer"), ROW, None, retry=FAST)
    first, second = (s["headers"]["Idempotency-Key"] for s in client.sent)
    assert first != second


async def test_refusals_are_not_retried() -> None:
    for error, kind in [
        (AuthError("Sign in again.", status=401), OutcomeKind.SIGNED_OUT),
        (ServerError("bug", status=500), OutcomeKind.UNCONFIRMED),
        (error_for_status(403, {"detail": "Your role (supervisor) cannot delete users."}),
         OutcomeKind.FORBIDDEN),
        (error_for_status(422, {"detail": "bad"}), OutcomeKind.FAILED),
        (error_for_status(404, None), OutcomeKind.NOT_FOUND),
    ]:  # fmt: skip
        client = ScriptedClient(error)
        outcome = await execute(client, action("reset-dialer"), ROW, None, retry=FAST)
        assert (outcome.kind, len(client.sent)) == (kind, 1), error


async def test_conflict_without_a_visible_change_gives_the_servers_reason() -> None:
    detail = "Ada L has no active sessions."
    client = ScriptedClient(error_for_status(409, {"detail": detail, "current": _row_json()}))
    outcome = await execute(client, action("logout"), ROW, None, retry=FAST)
    assert outcome.kind is OutcomeKind.CONFLICT
    assert outcome.message == f"Nothing was done: {detail}"


async def test_a_rule_refusal_and_a_change_get_distinct_titles() -> None:
    """409 "Not allowed now" (reason "rule") is not "the user changed" (reason "changed")."""
    rule = {"detail": "You cannot deactivate your own account.", "reason": "rule"}
    client = ScriptedClient(error_for_status(409, {**rule, "current": _row_json()}))
    refused = await execute(client, action("deactivate"), ROW, None, retry=FAST)
    assert refused.rule_refused
    assert notice_title(refused) == "Not allowed now"
    assert refused.message == "Nothing was done: You cannot deactivate your own account."
    changed = {"detail": "Ada changed since you looked.", "reason": "changed"}
    client = ScriptedClient(error_for_status(409, {**changed, "current": _row_json()}))
    conflict = await execute(client, action("deactivate"), ROW, None, retry=FAST)
    assert not conflict.rule_refused
    assert notice_title(conflict) == "Nothing was done: the user changed"


def test_reset_watch_pending_then_overdue_or_done() -> None:
    now = [100.0]
    watch = ResetWatch(limit=30, clock=lambda: now[0])
    watch.start(1)
    watch.start(2)
    assert watch.state(1) is WatchState.PENDING
    assert watch.next_deadline_in() == 30
    assert watch.observe([make_row(1, status=Status.AVAILABLE)]) == [1]
    assert watch.state(1) is None
    now[0] = 129.9
    assert watch.check() == []
    now[0] = 130.0
    assert watch.check() == [2]
    assert watch.state(2) is WatchState.OVERDUE
    assert mark_text(WatchState.OVERDUE, 30) == "not Available after 30 s"
    assert watch.observe([make_row(2, status=Status.BUSY)]) == []
    assert watch.observe([make_row(2, status=Status.AVAILABLE)]) == [2]
    assert watch.watched() == []
