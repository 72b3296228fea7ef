"""The users: the snapshot, the change feed (long poll) and the read-only views of one user."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from contact_center.api.dependencies import StoreDep, Who
from contact_center.api.problems import ProblemError
from contact_center.api.schemas import (
    MAX_BIG,
    ChangesAnswer,
    RowId,
    SessionModel,
    Snapshot,
    UserRowModel,
)
from contact_center.domain import sessions
from contact_center.domain.audit import read_audit
from contact_center.feed.answers import FeedAnswers
from contact_center.feed.longpoll import changes_after
from contact_center.feed.notifier import ChangeNotifier
from contact_center.storage.clock import iso, now
from contact_center.storage.journal import CursorGoneError, current_cursor, settings_version
from contact_center.storage.rows import SnapshotCache
from contact_center.storage.rows import user_row as load_row
from contact_center.storage.store import Store
from contact_center.storage.tables import calls

router = APIRouter(prefix="/api/v1")
MAX_WAIT = 30.0


@router.get("/users", response_model=Snapshot, tags=["users"])
def list_users(request: Request, store: StoreDep, who: Who) -> Response:
    # Serialised by hand from a per-row cache: validating 50,000 rows costs seconds.
    cache: SnapshotCache = request.app.state.snapshot_cache
    with store.read() as conn:
        # Cursor first: a row newer than the cursor is re-delivered later, never lost.
        cursor, _ = current_cursor(conn)
        version = settings_version(conn)  # after the cursor: never older than it
        rows = cache.rows_json(conn)
    tail = json.dumps({"cursor": cursor, "settings_version": version, "server_time": iso(now())})[
        1:
    ]
    return Response('{"users":' + rows + "," + tail, media_type="application/json")


@router.get("/changes", response_model=ChangesAnswer, tags=["users"])
async def list_changes(
    request: Request,
    who: Who,
    since: Annotated[int, Query(ge=0, le=MAX_BIG)],
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT)] = 25.0,
) -> Response:
    store: Store = request.app.state.store  # not StoreDep: a sync dependency is a thread trip
    notifier: ChangeNotifier = request.app.state.notifier
    answers = _feed_answers(request)
    coalesce: float = getattr(request.app.state, "feed_coalesce", 0.0)
    try:
        body = await changes_after(store, notifier, answers, since, wait, coalesce)
    except CursorGoneError:
        raise ProblemError(
            410, "Cursor expired", "This cursor is no longer served: read /users again."
        ) from None
    return Response(body, media_type="application/json")


def _feed_answers(request: Request) -> FeedAnswers:
    answers: FeedAnswers | None = getattr(request.app.state, "feed_answers", None)
    if answers is None:
        answers = request.app.state.feed_answers = FeedAnswers()
    return answers


def _user_or_404(store: Store, user_id: int) -> dict[str, Any]:
    with store.read() as conn:
        row = load_row(conn, user_id)
    if row is None:
        raise ProblemError(404, "No such user", f"There is no user with id {user_id}.")
    return row


@router.get("/users/{user_id}", response_model=UserRowModel, tags=["users"])
def get_user(user_id: RowId, store: StoreDep, who: Who) -> dict[str, Any]:
    return _user_or_404(store, user_id)


@router.get("/users/{user_id}/sessions", response_model=list[SessionModel], tags=["users"])
def get_sessions(user_id: RowId, store: StoreDep, who: Who) -> list[dict[str, Any]]:
    _user_or_404(store, user_id)
    with store.read() as conn:
        return sessions.of_user(conn, user_id)


@router.get("/users/{user_id}/calls", tags=["users"])
def get_calls(
    user_id: RowId, store: StoreDep, who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> list[dict[str, Any]]:
    with store.read() as conn:
        found = conn.execute(
            select(calls)
            .where(calls.c.user_id == user_id)
            .order_by(calls.c.started_at.desc())
            .limit(limit)
        )
        return [
            {
                "id": c.id,
                "direction": c.direction,
                "peer": c.peer,
                "started_at": iso(c.started_at),
                "ended_at": iso(c.ended_at),
                "ended_by": c.ended_by,
                "recording": c.recording,
            }
            for c in found
        ]


@router.get("/users/{user_id}/activity", tags=["users"])
def get_activity(
    user_id: RowId, store: StoreDep, who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    with store.read() as conn:
        return read_audit(conn, user_id=user_id, limit=limit)
