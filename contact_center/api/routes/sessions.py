"""Everyone's sessions: device sign-ins, console and API sign-ins (docs/API.md, "Sessions")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contact_center.api.dependencies import StoreDep, Who
from contact_center.api.schemas import RoleName, SessionKind, SessionsAnswer
from contact_center.domain import sessions
from contact_center.storage.clock import iso, now

router = APIRouter(prefix="/api/v1")


@router.get("/sessions", response_model=SessionsAnswer, tags=["users"])
def list_sessions(
    store: StoreDep,
    who: Who,
    search: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[SessionKind | None, Query()] = None,
    role: Annotated[RoleName | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> dict[str, Any]:
    """Live sessions, newest first; `search` matches username, name, client or address."""
    with store.read() as conn:
        found = sessions.listing(conn, search=search, kind=kind, role=role, limit=limit)
    return {"sessions": found, "server_time": iso(now())}
