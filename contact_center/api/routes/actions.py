"""Per-user actions: precondition, idempotency key, one transaction, one audit record."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contact_center.api.dependencies import StoreDep, Who, require_admin
from contact_center.api.problems import ProblemError
from contact_center.api.schemas import (
    MAX_BIG,
    ActionAnswer,
    ActionBody,
    LogoutBody,
    ResetBody,
    ResetPasswordBody,
    RowId,
    StatusBody,
    StatusName,
)
from contact_center.domain import auth
from contact_center.domain.actions import run_action
from contact_center.domain.errors import (
    BadInputError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RefusedError,
)
from contact_center.domain.rules import ACTIONS
from contact_center.storage.clock import now
from contact_center.storage.rows import user_row
from contact_center.storage.store import Store
from contact_center.storage.tables import idempotency

router = APIRouter(prefix="/api/v1", tags=["actions"])
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=32)]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=128)]
# A temporary password is shown once and never stored in clear, not even for a replay.
_NOT_REPLAYED = ("temporary_password",)
_PASSWORD_REPLAY = (
    "The password was already reset by this request. A temporary password is shown only "
    "once: reset it again to get a new one."
)


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        version = int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        version = -1
    if not 0 <= version <= MAX_BIG:
        raise ProblemError(
            400, "Bad If-Match", f"If-Match must be the row version, a number up to {MAX_BIG}."
        )
    return version


def required_version(if_match: str | None, what: str) -> int:
    """The version an edit was made against: `If-Match` is required (428 without), so that
    a change never lands on a row, view or setting the caller did not see."""
    if if_match is None:
        raise ProblemError(
            428,
            "Precondition required",
            f"Send If-Match with the version of {what}: nothing was changed.",
        )
    version = _version(if_match)
    assert version is not None
    return version


def _fingerprint(name: str, user_id: int, params: dict[str, Any], version: int | None) -> str:
    raw = json.dumps([name, user_id, params, version], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def perform(
    request: Request,
    store: Store,
    who: auth.Principal,
    name: str,
    user_id: int,
    params: dict[str, Any],
    if_match: str | None,
    key: str | None,
) -> dict[str, Any]:
    """Run one action for the API: rules, precondition, idempotency, errors as problems.

    With an Idempotency-Key, the first final answer is stored under it, a refusal (4xx) as
    well as a success, and a retry gets that answer again without running anything.
    """
    spec = ACTIONS[name]
    if spec.admin_only:
        require_admin(who, spec.verb)  # at once; checked again in the write's transaction
    version = _version(if_match)
    expected = params.pop("expected_status", None)
    fingerprint = _fingerprint(name, user_id, {**params, "expected_status": expected}, version)
    refused: ProblemError | None = None
    try:
        with store.write() as conn:
            if key is not None:
                # The same key on two instances at once: the second waits here, then replays.
                store.lock(conn, f"idempotency {who.user_id} {key}")
                replay = _replay(conn, who.user_id, key, fingerprint)
                if replay is not None:
                    return replay
            try:
                with conn.begin_nested():
                    result = run_action(
                        conn, name, user_id, who.username, params,
                        expected_status=expected, expected_version=version,
                        request_id=request.state.request_id, mail=request.app.state.mail,
                    )  # fmt: skip
            except (NotFoundError, RefusedError, ConflictError) as exc:
                refused = _problem(conn, exc, user_id)
                if key is not None:
                    _store(
                        conn, who.user_id, key, fingerprint, refused.status, _problem_body(refused)
                    )
            else:
                if name != "delete":
                    result["user"] = user_row(conn, user_id)
                if key is not None:
                    stored = {k: v for k, v in result.items() if k not in _NOT_REPLAYED}
                    if name == "reset-password":
                        stored["message"] = _PASSWORD_REPLAY
                    _store(conn, who.user_id, key, fingerprint, 200, stored)
    except IntegrityError:
        # A concurrent request with this key committed first: this one is its retry.
        if key is None:
            raise
        with store.read() as conn:
            replay = _replay(conn, who.user_id, key, fingerprint)
        if replay is None:
            raise
        return replay
    if refused is not None:
        raise refused
    if name == "reset":
        request.app.state.outbox.submit()  # a welcome email may have been queued
    return result


def _problem(conn: Any, exc: Exception, user_id: int) -> ProblemError:
    """The answer to a refused action (nothing was changed)."""
    if isinstance(exc, NotFoundError):
        return ProblemError(404, "No such user", str(exc))
    if isinstance(exc, ForbiddenError):
        return ProblemError(403, "Forbidden", str(exc))
    if isinstance(exc, BadInputError):
        return ProblemError(422, "Invalid request", str(exc))
    # `reason` tells a change since the caller looked from a rule that does not hold.
    changed = isinstance(exc, ConflictError)
    title = "Changed since you looked" if changed else "Not allowed now"
    reason = "changed" if changed else "rule"
    return ProblemError(409, title, str(exc), current=user_row(conn, user_id), reason=reason)


def _problem_body(problem: ProblemError) -> dict[str, Any]:
    return {"title": problem.title, "detail": problem.detail, **problem.extra}


def _store(
    conn: Any, actor_id: int, key: str, fingerprint: str, status: int, answer: dict[str, Any]
) -> None:
    conn.execute(
        idempotency.insert().values(
            actor_id=actor_id, key=key, request_hash=fingerprint,
            status_code=status, response=answer, created_at=now(),
        )
    )  # fmt: skip


def _replay(conn: Any, actor_id: int, key: str, fingerprint: str) -> dict[str, Any] | None:
    """The stored answer to this key: returned (2xx) or raised again (4xx), marked replayed."""
    found = conn.execute(
        select(idempotency.c.request_hash, idempotency.c.status_code, idempotency.c.response)
        .where(idempotency.c.actor_id == actor_id, idempotency.c.key == key)
    ).first()  # fmt: skip
    if found is None:
        return None
    if found.request_hash != fingerprint:
        raise ProblemError(
            422,
            "Idempotency key reused",
            "This Idempotency-Key was already used for another request.",
        )
    answer = dict(found.response)
    answer["replayed"] = True
    if found.status_code >= 400:
        title, detail = answer.pop("title"), answer.pop("detail")
        raise ProblemError(found.status_code, title, detail, **answer)
    return answer


def _action_route(name: str, body_type: type[ActionBody], path: str) -> None:
    def endpoint(
        user_id: RowId,
        body: body_type,  # type: ignore[valid-type]
        request: Request,
        store: StoreDep,
        who: Who,
        if_match: IfMatch = None,
        idempotency_key: IdemKey = None,
    ) -> dict[str, Any]:
        params = body.model_dump(mode="json")  # type: ignore[attr-defined]
        return perform(request, store, who, name, user_id, params, if_match, idempotency_key)

    # Resolved here: the module's postponed annotations cannot see this local class.
    endpoint.__annotations__["body"] = body_type
    endpoint.__name__ = name.replace("-", "_")
    router.add_api_route(
        f"/users/{{user_id}}/{path}",
        endpoint,
        methods=["PUT" if path == "status" else "POST"],
        response_model=ActionAnswer,
        summary=name.replace("-", " ").capitalize(),
    )


_ROUTES: list[tuple[str, type[ActionBody], str]] = [
    ("reset-dialer", ActionBody, "reset-dialer"),
    ("logout", LogoutBody, "logout"),
    ("deactivate", ActionBody, "deactivate"),
    ("activate", ActionBody, "activate"),
    ("reset-password", ResetPasswordBody, "reset-password"),
    ("reset-2fa", ActionBody, "reset-2fa"),
    ("reset", ResetBody, "reset"),
    ("set-status", StatusBody, "status"),
]
for _name, _body, _path in _ROUTES:
    _action_route(_name, _body, _path)


@router.delete("/users/{user_id}", response_model=ActionAnswer, summary="Delete user")
def delete_user(
    user_id: RowId,
    request: Request,
    store: StoreDep,
    who: Who,
    expected_status: Annotated[StatusName | None, Query()] = None,
    if_match: IfMatch = None,
    idempotency_key: IdemKey = None,
) -> dict[str, Any]:
    params: dict[str, Any] = {"expected_status": expected_status}
    return perform(request, store, who, "delete", user_id, params, if_match, idempotency_key)
