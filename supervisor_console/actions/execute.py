"""Send a confirmed action: one idempotency key per attempt the supervisor confirmed,
retried with that same key after a network failure, every refusal turned into a message.

A retry carries the same key and the same body, so the server answers the first result
instead of applying the action again: the action is never applied twice.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from supervisor_console.actions.base import UserAction
from supervisor_console.actions.changes import describe_change
from supervisor_console.api.client import new_idempotency_key
from supervisor_console.api.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    ServerError,
)
from supervisor_console.api.types import UserRow
from supervisor_console.api.wire import row_or_none

log = logging.getLogger(__name__)
_RETRIED_5XX = frozenset({502, 503, 504})  # a proxy or a restart, not a bug


class ActionClient(Protocol):
    """What sending an action needs of the API client (ApiClient satisfies it)."""

    role: str | None

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any: ...


class OutcomeKind(enum.Enum):
    DONE = "done"
    CONFLICT = "conflict"  # 409: the row changed, or the rule no longer holds
    FORBIDDEN = "forbidden"  # 403
    SIGNED_OUT = "signed out"  # 401: sign in again; never replayed silently
    NOT_FOUND = "not found"
    UNCONFIRMED = "unconfirmed"  # every retry failed: applied at most once, maybe not at all
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: OutcomeKind
    message: str
    user: UserRow | None = None  # the row after the action, or as it is now (409)
    deleted_id: int | None = None
    attempts: int = 1
    replayed: bool = False
    answer: dict[str, Any] = field(default_factory=dict, repr=False)
    secret: str | None = field(default=None, repr=False)  # a temporary password, shown once
    # A 409 for a rule that does not hold (not a change since the supervisor looked).
    rule_refused: bool = False
    # A 422 said field by field (Edit user): field -> what is wrong.
    field_errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.kind is OutcomeKind.DONE


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    first_delay: float = 0.25
    factor: float = 2.0

    def delays(self) -> list[float]:
        return [self.first_delay * self.factor**i for i in range(self.attempts - 1)]


async def execute(
    client: ActionClient,
    unit: UserAction[Any],
    row: UserRow,
    params: Any,
    *,
    retry: RetryPolicy = RetryPolicy(),
) -> Outcome:
    """Run `unit` for `row` as the supervisor saw it; never raises an ApiError."""
    call = unit.call(row, params)
    headers = {**call.headers, "Idempotency-Key": new_idempotency_key()}
    for attempts, delay in enumerate([*retry.delays(), None], start=1):
        try:
            answer = await client.request(
                call.method, call.path, json=call.json, params=call.params, headers=headers
            )
        except (NetworkError, ServerError) as exc:
            if not _retriable(exc) or delay is None:
                return _unconfirmed(unit, row, exc, attempts)
            log.info("%s for user %d: %s; retrying in %.2f s", unit.key, row.id, exc, delay)
            await asyncio.sleep(delay)
        except ApiError as exc:
            return refusal(unit, row, exc, attempts)
        else:
            return _done(unit, row, answer if isinstance(answer, dict) else {}, attempts)
    raise AssertionError("unreachable")  # the last delay is None


def _retriable(exc: ApiError) -> bool:
    return isinstance(exc, NetworkError) or exc.status in _RETRIED_5XX


def _done(unit: UserAction[Any], row: UserRow, answer: dict[str, Any], attempts: int) -> Outcome:
    secret = answer.get("temporary_password")
    kept = {k: v for k, v in answer.items() if k != "temporary_password"}
    deleted = kept.get("deleted_id")
    message = unit.done_message(row, answer)
    replayed = bool(kept.get("replayed"))
    if attempts > 1:
        message += f" (confirmed after {attempts} attempts; applied once)"
    return Outcome(
        OutcomeKind.DONE, message, user=row_or_none(kept.get("user")),
        deleted_id=deleted if isinstance(deleted, int) else None, attempts=attempts,
        replayed=replayed, answer=kept, secret=secret if isinstance(secret, str) else None,
    )  # fmt: skip


def _unconfirmed(unit: UserAction[Any], row: UserRow, exc: ApiError, attempts: int) -> Outcome:
    message = (
        f"{unit.label} for {row.name} could not be confirmed: {exc} "
        f"It was tried {attempts} times as one request, so it is applied at most once; "
        "the panel shows the user's real state once the connection is back."
    )
    return Outcome(OutcomeKind.UNCONFIRMED, message, attempts=attempts)


def refusal(unit: UserAction[Any], row: UserRow, exc: ApiError, attempts: int = 1) -> Outcome:
    """A refusal by the server as an outcome with a message a person can act on."""
    if isinstance(exc, ConflictError):
        return Outcome(
            OutcomeKind.CONFLICT, conflict_message(row, exc), user=exc.current, attempts=attempts,
            rule_refused=exc.reason == "rule",
        )  # fmt: skip
    if isinstance(exc, AuthError):
        text = f"{exc} {unit.label} for {row.name} was not done; do it again after signing in."
        return Outcome(OutcomeKind.SIGNED_OUT, text, attempts=attempts)
    if isinstance(exc, ForbiddenError):
        return Outcome(OutcomeKind.FORBIDDEN, str(exc), attempts=attempts)
    if isinstance(exc, NotFoundError):
        text = f"{row.name} no longer exists; nothing was done."
        return Outcome(OutcomeKind.NOT_FOUND, text, deleted_id=row.id, attempts=attempts)
    errors = exc.errors if isinstance(exc, BadRequestError) else {}
    return Outcome(
        OutcomeKind.FAILED, f"{unit.label.rstrip('…')} failed: {exc}", attempts=attempts,
        field_errors=errors,
    )  # fmt: skip


def conflict_message(seen: UserRow, exc: ConflictError) -> str:
    """Nothing was done; say what changed (from `current`), else the server's reason."""
    changed = None
    if exc.current is not None and exc.reason != "rule":
        changed = describe_change(seen, exc.current)
    if changed:
        return f"Nothing was done: {seen.name} changed since you looked: {changed}."
    return f"Nothing was done: {exc.detail or exc.message}"
