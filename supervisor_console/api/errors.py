"""Typed errors of the API client, each with a message a person can read.

The console shows `str(error)` as is; callers branch on the class, never on the text.
`api/problems.py` maps an HTTP error answer to one of these (`error_for_status`).
"""

from __future__ import annotations

from supervisor_console.api.types import UserRow


class ApiError(Exception):
    """Base of every error the client raises.

    `reason` is the problem's machine-readable reason when the server gave one (e.g.
    "otp_required", "signed_out", "password_change_required"); callers branch on it, never
    on the text. `by` names who signed the session out (reason "signed_out").
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        detail: str | None = None,
        reason: str | None = None,
        by: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail
        self.reason = reason
        self.by = by


class AuthError(ApiError):
    """401: the token is missing, expired or revoked (or the sign-in was refused).

    At sign-in, `reason` "otp_required" / "otp_invalid" means the password was right and
    a two-factor code is needed."""

    @property
    def needs_code(self) -> bool:
        return self.reason in ("otp_required", "otp_invalid")

    @property
    def signed_out_by_someone(self) -> bool:
        return self.reason == "signed_out"


class ForbiddenError(ApiError):
    """403: signed in, but this role may not do this (or, with `reason`
    "password_change_required" / "two_factor_enrolment_required", not yet)."""


class NotFoundError(ApiError):
    """404: the user (or other resource) does not exist (any more)."""


class ConflictError(ApiError):
    """409: the row changed since the supervisor looked (`reason` "changed"), or the action's
    rule does not hold for it now (`reason` "rule"); `current` is the row as it is now."""

    def __init__(
        self, message: str, *, status: int | None = 409, detail: str | None = None,
        current: UserRow | None = None, reason: str | None = None,
    ):  # fmt: skip
        super().__init__(message, status=status, detail=detail, reason=reason)
        self.current = current


class CursorExpiredError(ApiError):
    """410: the change cursor is too old (or from another database); re-read /users."""


class BadRequestError(ApiError):
    """Any other 4xx: the server refused the input and said why; `errors` maps a field to
    what is wrong with it when the server said so field by field (Edit user)."""

    def __init__(
        self, message: str, *, status: int | None = None, detail: str | None = None,
        reason: str | None = None, errors: dict[str, str] | None = None,
    ):  # fmt: skip
        super().__init__(message, status=status, detail=detail, reason=reason)
        self.errors = errors or {}


class ServerError(ApiError):
    """5xx: the server failed; retrying later may help."""


class NetworkError(ApiError):
    """The server could not be reached, timed out or dropped the connection."""


class MalformedResponseError(ApiError):
    """The server answered something that is not what the API promises."""


AUTH_MESSAGE = "Your sign-in has expired or was revoked. Sign in again."
