"""Why an action did not run. Each becomes an HTTP problem in `api/` (403, 404, 409 or 422)
or a "skipped" item of a bulk job; in every case nothing was changed."""

from __future__ import annotations


class NotFoundError(Exception):
    pass


class RefusedError(Exception):
    """The action's rule does not hold for this user; nothing was changed.

    `reason` is the short form a bulk result lists ("not Unavailable or Busy").
    """

    def __init__(self, detail: str, reason: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason or detail


class BadInputError(RefusedError):
    """The request's values are not acceptable (e.g. an invalid email); nothing was changed."""


class InvalidFieldsError(BadInputError):
    """Several fields of a request are not acceptable: `errors` maps each to its sentence."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()), "invalid " + ", ".join(errors))
        self.errors = errors


class ConflictError(Exception):
    """The row changed since the supervisor looked; nothing was changed."""


class ForbiddenError(RefusedError):
    """The caller may not do this (their role, their account, or the target's role), as
    checked in the write's own transaction; nothing was changed. 403 for one user; a bulk
    job whose creator lost their authority is cancelled, a target they may not act on is
    skipped with `reason`."""
