"""Typed errors of the API client, each with a message a person can read.

The console shows `str(error)` as is; callers branch on the class, never on the text.
"""

from __future__ import annotations

from typing import Any

from supervisor_console.api.types import MalformedData, UserRow


class ApiError(Exception):
    """Base of every error the client raises."""

    def __init__(self, message: str, *, status: int | None = None, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail


class AuthError(ApiError):
    """401: the token is missing, expired or revoked (or the sign-in was refused)."""


class ForbiddenError(ApiError):
    """403: signed in, but this role may not do this."""


class NotFoundError(ApiError):
    """404: the user (or other resource) does not exist (any more)."""


class ConflictError(ApiError):
    """409: the row changed since the supervisor looked; `current` is the row as it is now."""

    def __init__(
        self, message: str, *, status: int | None = 409, detail: str | None = None,
        current: UserRow | None = None,
    ):  # fmt: skip
        super().__init__(message, status=status, detail=detail)
        self.current = current


class CursorExpired(ApiError):
    """410: the change cursor is too old (or from another database); re-read /users."""


class BadRequestError(ApiError):
    """Any other 4xx: the server refused the input and said why."""


class ServerError(ApiError):
    """5xx: the server failed; retrying later may help."""


class NetworkError(ApiError):
    """The server could not be reached, timed out or dropped the connection."""


class MalformedResponse(ApiError):
    """The server answered something that is not what the API promises."""


AUTH_MESSAGE = "Your sign-in has expired or was revoked. Sign in again."


def _problem_detail(body: Any) -> str | None:
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, str) and detail:
            return detail
        if isinstance(detail, list):  # FastAPI validation errors: a list of {"msg": ...}
            msgs = [str(d.get("msg")) for d in detail if isinstance(d, dict) and d.get("msg")]
            return "; ".join(msgs) or None
    return None


def _conflict_row(body: Any) -> UserRow | None:
    if not isinstance(body, dict) or body.get("current") is None:
        return None
    try:
        return UserRow.from_json(body["current"])
    except MalformedData:
        # The refusal itself is what matters; a bad `current` only costs the hint.
        return None


def error_for_status(status: int, body: Any, *, role: str | None = None) -> ApiError:
    """Map an HTTP error answer (status + decoded body, or None) to a typed error."""
    detail = _problem_detail(body)
    if status == 401:
        return AuthError(AUTH_MESSAGE, status=status, detail=detail)
    if status == 403:
        fallback = f"Your role ({role or 'unknown'}) cannot do this."
        return ForbiddenError(detail or fallback, status=status, detail=detail)
    if status == 404:
        return NotFoundError(detail or "Not found: it may have been deleted.", status=status)
    if status == 409:
        text = detail or "refresh and try again."
        return ConflictError(
            f"This user changed since you looked: {text}",
            detail=detail,
            current=_conflict_row(body),
        )
    if status == 410:
        return CursorExpired(detail or "The change cursor expired.", status=status, detail=detail)
    if status < 500:
        text = detail or f"The server refused the request (HTTP {status})."
        return BadRequestError(text, status=status, detail=detail)
    text = f"The server had a problem (HTTP {status}). Try again in a moment."
    if detail:
        text = f"{text} ({detail})"
    return ServerError(text, status=status, detail=detail)
