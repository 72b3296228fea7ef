"""Saved views of the console (docs/API.md, "Saved views")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import IntegrityError

from contact_center.api.dependencies import StoreDep, Who
from contact_center.api.problems import ProblemError
from contact_center.api.routes.actions import IfMatch, required_version
from contact_center.api.schemas import RowId, ViewBody, ViewChange, ViewModel, ViewsAnswer
from contact_center.domain import views
from contact_center.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidFieldsError,
    NotFoundError,
)
from contact_center.storage.store import Store

router = APIRouter(prefix="/api/v1", tags=["views"])


def _etag(view: dict[str, Any]) -> str:
    return f'"{view["version"]}"'


def _refusal(exc: Exception) -> ProblemError:
    if isinstance(exc, InvalidFieldsError):
        return ProblemError(422, "Invalid request", str(exc), errors=exc.errors)
    if isinstance(exc, NotFoundError):
        return ProblemError(404, "No such view", str(exc))
    if isinstance(exc, ForbiddenError):
        return ProblemError(403, "Forbidden", str(exc))
    assert isinstance(exc, views.NameTakenError)
    return ProblemError(409, "Name already used", str(exc), reason="name_taken")


_REFUSED = (InvalidFieldsError, NotFoundError, ForbiddenError, views.NameTakenError)


def _name_race(store: Store, user_id: int, name: str) -> ProblemError:
    """A concurrent request made a view of this name first (the unique index said so)."""
    with store.read() as conn:
        taken = [
            v["name"]
            for v in views.listing(conn, user_id)
            if v["name"].casefold() == name.strip().casefold()
        ]
    shown = taken[0] if taken else name.strip()
    return ProblemError(
        409, "Name already used", f"You already have a view named {shown}.", reason="name_taken"
    )


@router.get("/views", response_model=ViewsAnswer, summary="Saved views")
def list_views(store: StoreDep, who: Who) -> dict[str, Any]:
    """The caller's own views and every shared one, by name."""
    with store.read() as conn:
        return {"views": views.listing(conn, who.user_id)}


@router.post("/views", response_model=ViewModel, status_code=201, summary="Save a view")
def create_view(
    body: ViewBody, request: Request, response: Response, store: StoreDep, who: Who
) -> dict[str, Any]:
    refused: ProblemError | None = None
    try:
        # quiet: no long poll reads views
        with store.write(quiet=True) as conn:
            try:
                view = views.create(
                    conn, who.username, name=body.name, shared=body.shared,
                    layout=body.layout, request_id=request.state.request_id,
                )  # fmt: skip
            except _REFUSED as exc:
                refused = _refusal(exc)
    except IntegrityError:
        raise _name_race(store, who.user_id, body.name) from None
    if refused is not None:
        raise refused
    response.headers["ETag"] = _etag(view)
    return view


@router.put("/views/{view_id}", response_model=ViewModel, summary="Change a view")
def change_view(
    view_id: RowId,
    body: ViewChange,
    request: Request,
    response: Response,
    store: StoreDep,
    who: Who,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """The owner changes any of name, shared, layout; `If-Match: <version>` is required."""
    version = required_version(if_match, "the view you changed")
    changes = body.model_dump(exclude_unset=True)
    nulls = {
        field: "Give a value, or leave the field out." for field, v in changes.items() if v is None
    }
    if nulls:
        raise ProblemError(
            422, "Invalid request", " ".join(f"{f}: {m}" for f, m in nulls.items()), errors=nulls
        )
    refused: ProblemError | None = None
    try:
        with store.write(quiet=True) as conn:
            try:
                view = views.change(
                    conn, who.username, view_id, changes,
                    expected_version=version, request_id=request.state.request_id,
                )  # fmt: skip
            except _REFUSED as exc:
                refused = _refusal(exc)
            except ConflictError as exc:
                current = views.visible(conn, view_id, who.user_id)
                refused = ProblemError(
                    409, "Changed since you looked", str(exc), current=current, reason="changed"
                )
                if current is not None:
                    refused.headers["ETag"] = _etag(current)
    except IntegrityError:
        raise _name_race(store, who.user_id, str(changes.get("name", ""))) from None
    if refused is not None:
        raise refused
    response.headers["ETag"] = _etag(view)
    return view


@router.delete("/views/{view_id}", status_code=204, summary="Delete a view")
def delete_view(view_id: RowId, request: Request, store: StoreDep, who: Who) -> Response:
    """The owner deletes a view; an admin deletes a shared view too."""
    refused: ProblemError | None = None
    with store.write(quiet=True) as conn:
        try:
            views.remove(conn, who.username, view_id, request_id=request.state.request_id)
        except _REFUSED as exc:
            refused = _refusal(exc)
    if refused is not None:
        raise refused
    return Response(status_code=204)
