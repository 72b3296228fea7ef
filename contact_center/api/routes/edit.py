"""Edit a user (PATCH /users/{id}, If-Match required) and the phone number inventory."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from contact_center.api.dependencies import StoreDep, Who
from contact_center.api.problems import ProblemError
from contact_center.api.routes.actions import IfMatch, _problem, required_version
from contact_center.api.schemas import EditAnswer, EditBody, PhoneNumbers, RowId
from contact_center.domain.edit import edit_user as apply_edit
from contact_center.domain.edit import list_numbers
from contact_center.domain.errors import (
    ConflictError,
    InvalidFieldsError,
    NotFoundError,
    RefusedError,
)
from contact_center.storage.rows import user_row

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.patch("/users/{user_id}", response_model=EditAnswer, summary="Edit user")
def edit_user(
    user_id: RowId,
    body: EditBody,
    request: Request,
    store: StoreDep,
    who: Who,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Change any subset of the fields; `If-Match: <version>` is required (428 without)."""
    version = required_version(if_match, "the row you edited")
    changes = body.model_dump(mode="json", exclude_unset=True)
    refused: ProblemError | None = None
    with store.write() as conn:
        try:
            with conn.begin_nested():
                changed = apply_edit(
                    conn, user_id, who.username, changes,
                    expected_version=version, request_id=request.state.request_id,
                )  # fmt: skip
        except InvalidFieldsError as exc:
            refused = ProblemError(422, "Invalid request", str(exc), errors=exc.errors)
        except (NotFoundError, RefusedError, ConflictError) as exc:
            refused = _problem(conn, exc, user_id)
        else:
            row = user_row(conn, user_id)
    if refused is not None:
        raise refused
    return {"user": row, "changed": changed}


@router.get("/phone-numbers", response_model=PhoneNumbers)
def phone_numbers(
    store: StoreDep, who: Who, available: Annotated[bool | None, Query()] = None
) -> dict[str, Any]:
    """The inventory; `?available=true`: the numbers free to assign (the edit's picker)."""
    with store.read() as conn:
        return {"phone_numbers": list_numbers(conn, available)}
