"""Say what changed in a row between what the supervisor saw and what the server has now."""

from __future__ import annotations

from collections.abc import Callable

from supervisor_console.api.types import UserRow


def _status(seen: UserRow, now: UserRow) -> str | None:
    if seen.status is now.status:
        return None
    return f"now {now.status.label} (you saw {seen.status.label})"


def _call(seen: UserRow, now: UserRow) -> str | None:
    before, after = seen.live_call, now.live_call
    if (before and before.id) == (after and after.id):
        return None
    if after is None:
        return "the call you saw has ended"
    return f"now on a call with {after.peer} that you did not see"


def _sessions(seen: UserRow, now: UserRow) -> str | None:
    if seen.session_count == now.session_count:
        return None
    return f"now has {now.session_count} active sessions (you saw {seen.session_count})"


def _active(seen: UserRow, now: UserRow) -> str | None:
    if seen.active == now.active:
        return None
    return "now active" if now.active else "now deactivated"


def _two_factor(seen: UserRow, now: UserRow) -> str | None:
    if seen.two_factor == now.two_factor:
        return None
    return f"two-factor authentication is now {'on' if now.two_factor else 'off'}"


_CHECKS: tuple[Callable[[UserRow, UserRow], str | None], ...] = (
    _status,
    _call,
    _sessions,
    _active,
    _two_factor,
)


def describe_change(seen: UserRow, now: UserRow) -> str | None:
    """A readable list of what changed ("now Offline (you saw Busy)"), or None if nothing
    the panel shows did (the version moved for a field the supervisor does not see)."""
    found = [text for check in _CHECKS if (text := check(seen, now)) is not None]
    if not found:
        return None
    return "; ".join(found)
