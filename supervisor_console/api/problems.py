"""An HTTP error answer (RFC 9457 problem) as one of the client's typed errors.

The console shows `str(error)` as is and branches on the class and on `reason`.
"""

from __future__ import annotations

from typing import Any

from supervisor_console.api.errors import (
    AUTH_MESSAGE,
    ApiError,
    AuthError,
    BadRequestError,
    ConflictError,
    CursorExpiredError,
    ForbiddenError,
    NotFoundError,
    ServerError,
)
from supervisor_console.api.wire import row_or_none


def _problem_detail(body: Any) -> str | None:
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, str) and detail:
            return detail
        if isinstance(detail, list):  # FastAPI validation errors: a list of {"msg": ...}
            msgs = [str(d.get("msg")) for d in detail if isinstance(d, dict) and d.get("msg")]
            return "; ".join(msgs) or None
    return None


def _problem_text(body: Any, key: str) -> str | None:
    value = body.get(key) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def error_for_status(status: int, body: Any, *, role: str | None = None) -> ApiError:
    """An HTTP error answer (status + decoded body, or None) as a typed error."""
    detail = _problem_detail(body)
    reason = _problem_text(body, "reason")
    if status == 401:
        by = _problem_text(body, "by")
        # Said as the server says it when someone signed this session out ("You were
        # signed out by NAME."); otherwise the one readable sentence for a lost session.
        message = detail if reason in ("signed_out", "expired") and detail else AUTH_MESSAGE
        return AuthError(message, status=status, detail=detail, reason=reason, by=by)
    if status == 403:
        fallback = f"Your role ({role or 'unknown'}) cannot do this."
        return ForbiddenError(detail or fallback, status=status, detail=detail, reason=reason)
    if status == 404:
        return NotFoundError(detail or "Not found: it may have been deleted.", status=status)
    if status == 409:
        # The refusal itself is what matters; a bad `current` only costs the hint.
        current = row_or_none(body.get("current")) if isinstance(body, dict) else None
        text = detail or "refresh and try again."
        if reason == "rule":  # a rule that does not hold, not a change since one looked
            return ConflictError(text, detail=detail, current=current, reason=reason)
        return ConflictError(
            f"This user changed since you looked: {text}",
            detail=detail,
            current=current,
            reason=reason,
        )
    if status == 410:
        return CursorExpiredError(
            detail or "The change cursor expired.", status=status, detail=detail
        )
    if status < 500:
        text = detail or f"The server refused the request (HTTP {status})."
        raw = body.get("errors") if isinstance(body, dict) else None
        errors = (
            {str(k): str(v) for k, v in raw.items() if isinstance(v, str)}
            if isinstance(raw, dict)
            else {}
        )
        return BadRequestError(text, status=status, detail=detail, reason=reason, errors=errors)
    text = f"The server had a problem (HTTP {status}). Try again in a moment."
    if detail:
        text = f"{text} ({detail})"
    return ServerError(text, status=status, detail=detail)
