"""The time limits every console shares (docs/API.md, "Time limits")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from contact_center.api.dependencies import StoreDep, Who, require_admin
from contact_center.api.problems import ProblemError
from contact_center.api.routes.actions import IfMatch, required_version
from contact_center.api.schemas import ThresholdsAnswer, ThresholdsBody
from contact_center.domain import thresholds
from contact_center.domain.errors import ConflictError, ForbiddenError
from contact_center.feed.answers import FeedAnswers

router = APIRouter(prefix="/api/v1", tags=["settings"])


def _etag(answer: dict[str, Any]) -> str:
    return f'"{answer["version"]}"'


@router.get("/settings/thresholds", response_model=ThresholdsAnswer, summary="Time limits")
def get_thresholds(store: StoreDep, who: Who, response: Response) -> dict[str, Any]:
    """Every kind's warning and alert limits; `ETag` is their version."""
    with store.read() as conn:
        answer = thresholds.read(conn)
    response.headers["ETag"] = _etag(answer)
    return answer


@router.put("/settings/thresholds", response_model=ThresholdsAnswer, summary="Set time limits")
def put_thresholds(
    body: ThresholdsBody,
    request: Request,
    response: Response,
    store: StoreDep,
    who: Who,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Admins: change some kinds' limits; `If-Match: <version>` is required (428 without)."""
    require_admin(who, thresholds.VERB)  # at once; checked again in the write's transaction
    version = required_version(if_match, "the time limits you changed")
    changes: dict[str, dict[str, int]] = {
        kind: pair.model_dump() for kind, pair in body.thresholds.items()
    }
    errors = thresholds.invalid(changes)
    if errors:
        detail = " ".join(f"{kind}: {message}" for kind, message in errors.items())
        raise ProblemError(422, "Invalid request", detail, errors=errors)
    refused: ProblemError | None = None
    with store.write() as conn:
        try:
            answer = thresholds.change(
                conn, who.username, changes,
                expected_version=version, request_id=request.state.request_id,
            )  # fmt: skip
        except ForbiddenError as exc:
            refused = ProblemError(403, "Forbidden", str(exc))
        except ConflictError as exc:
            current = thresholds.read(conn)
            refused = ProblemError(
                409, "Changed since you looked", str(exc), current=current, reason="changed"
            )
            refused.headers["ETag"] = _etag(current)
    if refused is not None:
        raise refused
    # No answer with an older settings_version is served by this instance from now on.
    answers: FeedAnswers | None = getattr(request.app.state, "feed_answers", None)
    if answers is not None:
        answers.note_settings(answer["version"])
    response.headers["ETag"] = _etag(answer)
    return answer
