"""Bulk jobs over HTTP: preview, create, watch, cancel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from contact_center.api.dependencies import StoreDep, Who, require_admin
from contact_center.api.problems import ProblemError
from contact_center.api.schemas import (
    MAX_ROW_ID,
    BulkBody,
    BulkCreated,
    BulkJob,
    BulkPreview,
    RowId,
)
from contact_center.domain import auth, bulk
from contact_center.domain.authority import Actor
from contact_center.domain.recycle import check_recycle
from contact_center.domain.rules import ACTIONS
from contact_center.domain.users import email_owner
from contact_center.storage.store import Store

router = APIRouter(prefix="/api/v1/bulk-jobs", tags=["bulk"])


def _checked(
    body: BulkBody, who: auth.Principal, store: Store
) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = ACTIONS[body.action]
    if spec.admin_only:
        require_admin(who, spec.verb)
    params = body.params.model_dump(exclude_none=True)
    if body.action == "reset":
        _check_recycle_details(store, params.get("recycle_details") or {})
    elif "recycle_details" in params:
        raise ProblemError(422, "Invalid request", "recycle_details is for the reset action only.")
    if body.action == "set-status" and "status" not in params:
        raise ProblemError(422, "Missing status", "Choose the status to set.")
    if body.action == "set-role" and "role" not in params:
        raise ProblemError(422, "Missing role", "Choose the role to set.")
    if body.action.split("-")[0] in ("add", "remove") and not params.get("values"):
        raise ProblemError(422, "Missing values", "Choose at least one value.")
    return body.scope.model_dump(), params


def _check_recycle_details(store: Store, details: dict[str, Any]) -> None:
    """Every recycle of a bulk reset is checked before anything is queued (the names, the
    email, its uniqueness ignoring case among the details and the users), so the preview
    and the job agree: 422 naming each bad field as `recycle_details.ID.FIELD`."""
    errors: dict[str, str] = {}
    seen: dict[str, str] = {}
    with store.read() as conn:
        for key, info in details.items():
            if not (key.isascii() and key.isdigit() and 1 <= int(key) <= MAX_ROW_ID):
                errors[f"recycle_details.{key}"] = f"Keys must be user ids (1 to {MAX_ROW_ID})."
                continue
            for field, message in check_recycle(info).items():
                errors[f"recycle_details.{key}.{field}"] = message
            email = str(info.get("email") or "").strip()
            if not email or f"recycle_details.{key}.email" in errors:
                continue
            if email.casefold() in seen:
                errors[f"recycle_details.{key}.email"] = (
                    f"The email {email} is given to user {seen[email.casefold()]} as well."
                )
            elif (owner := email_owner(conn, email, int(key))) is not None:
                errors[f"recycle_details.{key}.email"] = (
                    f"The email {email} is already used by {owner}."
                )
            seen.setdefault(email.casefold(), key)
    if errors:
        raise ProblemError(422, "Invalid request", " ".join(errors.values()), errors=errors)


@router.post("/preview", response_model=BulkPreview, response_model_exclude_none=True)
def preview_job(body: BulkBody, store: StoreDep, who: Who) -> dict[str, Any]:
    scope, params = _checked(body, who, store)
    actor = Actor(who.user_id, who.username, who.role)
    return bulk.preview(store, body.action, scope, params, actor)


@router.post("", response_model=BulkCreated, status_code=202)
def create_job(body: BulkBody, request: Request, store: StoreDep, who: Who) -> dict[str, Any]:
    scope, params = _checked(body, who, store)
    expected: dict[int, int] | None = None
    if body.expected_versions is not None:
        expected = {}
        for key, version in body.expected_versions.items():
            if not (key.isascii() and key.isdigit() and 1 <= int(key) <= MAX_ROW_ID):
                raise ProblemError(
                    422, "Bad expected_versions", f"Keys must be user ids (1 to {MAX_ROW_ID})."
                )
            expected[int(key)] = version
    job_id, total = bulk.create_job(store, who.username, body.action, scope, params, expected)
    request.app.state.bulk_runner.submit()
    return {"id": job_id, "total": total}


@router.get("/{job_id}", response_model=BulkJob)
def get_job(job_id: RowId, store: StoreDep, who: Who, results: bool = True) -> dict[str, Any]:
    """The job's progress; `results=false` leaves out the per-user list (cheap to poll)."""
    view = bulk.job_view(store, job_id, with_results=results)
    if view is None:
        raise ProblemError(404, "No such job", f"There is no bulk job {job_id}.")
    return view


@router.post("/{job_id}/cancel", response_model=BulkJob)
def cancel_job(job_id: RowId, store: StoreDep, who: Who) -> dict[str, Any]:
    job = bulk.job_view(store, job_id, with_results=False)
    if job is None:
        raise ProblemError(404, "No such job", f"There is no bulk job {job_id}.")
    if job["actor"] != who.username:
        require_admin(who, "cancel another person's bulk job")
    bulk.request_cancel(store, job_id)
    view = bulk.job_view(store, job_id)
    assert view is not None
    return view
