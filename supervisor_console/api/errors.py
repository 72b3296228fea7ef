"""Typed errors of the API client, each with a message a person can read.

The console shows `str(error)` as is; callers branch on the class, never on the text.
`api/wire.py` maps an HTTP error answer to one of these (`error_for_status`).
"""

from __future__ import annotations

from supervisor_console.api.types import UserRow


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


class CursorExpiredError(ApiError):
    """410: the change cursor is too old (or from another database); re-read /users."""


class BadRequestError(ApiError):
    """Any other 4xx: the server refused the input and said why."""


class ServerError(ApiError):
    """5xx: the server failed; retrying later may help."""


class NetworkError(ApiError):
    """The server could not be reached, timed out or dropped the connection."""


class MalformedResponseError(ApiError):
    """The server answered something that is not what the API promises."""


AUTH_MESSAGE = "Your sign-in has expired or was revoked. Sign in again."
