"""Every JSON answer of the API, decoded and checked in one place.

Strict throughout: a field of the wrong type is malformed, never coerced (a null peer
must not show as "None", a "3" is not a count). Anything that is not what docs/API.md
promises raises `MalformedResponseError`, except what only dates or hints (`server_time`, the
row a 409 or an action's answer carries): a bad one is dropped, never the good answer.

Parsing a big body holds the event loop (and so the GUI) for a while: from
`OFF_LOOP_BYTES` on, `off_loop()` runs the parse in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from supervisor_console.api.errors import (
    MalformedResponseError,
)
from supervisor_console.api.types import (
    ChangeBatch,
    JobState,
    Limit,
    LiveCall,
    Preview,
    SessionInfo,
    Status,
    Thresholds,
    UserResult,
    UserRow,
)

T = TypeVar("T")
# Measured on a busy 2-core machine: 256 KB of user rows ~4 ms on the loop, 1 MB
# ~40 ms (over two frames). So a big /changes batch, the snapshot and a 10,000-user job's
# results (~1 MB) go to a thread; a routine batch stays on the loop (no thread hop).
OFF_LOOP_BYTES = 256 * 1024


class _BadError(ValueError):
    """A field is not what the API promises (turned into MalformedResponseError by the caller)."""


async def off_loop(body: bytes, parse: Callable[[bytes], T]) -> T:
    """`parse(body)`, in a worker thread when the body is big."""
    if len(body) >= OFF_LOOP_BYTES:
        return await asyncio.to_thread(parse, body)
    return parse(body)


def loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError; absurdly deep nesting
        raise MalformedResponseError(f"The server sent invalid JSON: {exc}") from exc


def loads_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None  # an error page in HTML: the status code still says what happened


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadError(f"{name} must be an integer")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise _BadError(f"{name} must be true or false")
    return value


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise _BadError(f"{name} must be a string")
    return value


def _opt_str(value: Any, name: str) -> str | None:
    return None if value is None else _str(value, name)


def _str_list(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _BadError(f"{name} must be a list of strings")
    return tuple(value)


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _BadError(f"expected a time string, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise _BadError(f"bad time {value!r}") from exc


def _object(data: Any, what: str) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    raise _BadError(f"{what} must be an object")


def _field(body: Any, name: str, kind: type | tuple[type, ...]) -> Any:
    """A top-level field of an answer, checked; MalformedResponseError when wrong or missing."""
    if not isinstance(body, dict) or name not in body:
        raise MalformedResponseError(f"The server's answer has no {name!r}.")
    value = body[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise MalformedResponseError(f"The server's answer has a malformed {name!r}.")
    return value


def row(data: Any) -> UserRow:
    """One UserRow; MalformedResponseError says which field is wrong."""
    try:
        fast = _fast_row(data)
        return fast if fast is not None else _checked_row(data)
    except _BadError as exc:
        raise MalformedResponseError(f"The server sent a malformed user row: {exc}") from exc


def row_or_none(data: Any) -> UserRow | None:
    """A row carried as a hint (a 409's `current`, an action's `user`); None when absent or
    malformed: the feed brings the row anyway."""
    if data is None:
        return None
    try:
        return row(data)
    except MalformedResponseError:
        return None


def rows(data: Any) -> list[UserRow]:
    if not isinstance(data, list):
        raise MalformedResponseError("The server sent a malformed answer: users is not a list.")
    return [row(item) for item in data]


def _live_call(data: Any) -> LiveCall | None:
    if data is None:
        return None
    call = _object(data, "live_call")
    try:
        started = _time(call["started_at"])
        if started is None:
            raise _BadError("bad live_call: started_at missing")
        return LiveCall(
            _int(call["id"], "live_call.id"),
            _str(call["direction"], "live_call.direction"),
            _str(call["peer"], "live_call.peer"),
            started,
        )
    except KeyError as exc:
        raise _BadError(f"bad live_call: no {exc.args[0]!r}") from exc


def _checked_row(data: Any) -> UserRow:
    d = _object(data, "a user row")
    try:
        status = Status(d["status"])
    except (KeyError, ValueError) as exc:
        raise _BadError(f"unknown status {d.get('status')!r}") from exc
    try:
        since = _time(d["status_since"])
        if since is None:
            raise _BadError("status_since missing")
        return UserRow(
            id=_int(d["id"], "id"),
            version=_int(d["version"], "version"),
            username=_str(d["username"], "username"),
            first_name=_str(d["first_name"], "first_name"),
            last_name=_str(d["last_name"], "last_name"),
            email=_opt_str(d.get("email"), "email"),
            extension=_str(d["extension"], "extension"),
            phone_number=_opt_str(d.get("phone_number"), "phone_number"),
            role=_str(d["role"], "role"),
            desks=_str_list(d["desks"], "desks"),
            skills=_str_list(d["skills"], "skills"),
            tags=_str_list(d["tags"], "tags"),
            active=_bool(d["active"], "active"),
            two_factor=_bool(d["two_factor"], "two_factor"),
            status=status,
            status_text=_opt_str(d.get("status_text"), "status_text"),
            status_since=since,
            live_call=_live_call(d.get("live_call")),
            session_count=_int(d["session_count"], "session_count"),
            last_activity=_time(d.get("last_activity")),
            changed_by=_opt_str(d.get("changed_by"), "changed_by"),
            changed_at=_time(d.get("changed_at")),
            must_change_password=d.get("must_change_password") is True,
        )
    except KeyError as exc:
        raise _BadError(f"user row without {exc.args[0]!r}") from exc


_STATUS_BY_VALUE = {s.value: s for s in Status}
_STR_FIELDS = ("username", "first_name", "last_name", "extension", "role")
_OPT_STR_FIELDS = ("email", "phone_number", "status_text", "changed_by")
_LIST_FIELDS = ("desks", "skills", "tags")


def _fast_row(d: Any) -> UserRow | None:
    """The row when every field has exactly the expected type, else None.

    A snapshot parses 50,000 rows: the common, valid case is checked with inline type
    tests; anything odd goes through `_checked_row` for a precise message.
    """
    if type(d) is not dict:
        return None
    try:
        ok = (
            type(d["id"]) is int
            and type(d["version"]) is int
            and type(d["session_count"]) is int
            and type(d["active"]) is bool
            and type(d["two_factor"]) is bool
            and all(type(d[k]) is str for k in _STR_FIELDS)
            and all(d.get(k) is None or type(d[k]) is str for k in _OPT_STR_FIELDS)
            and all(type(d[k]) is list and all(type(v) is str for v in d[k]) for k in _LIST_FIELDS)
        )
        status = _STATUS_BY_VALUE.get(d["status"]) if type(d["status"]) is str else None
        if not ok or status is None or type(d["status_since"]) is not str:
            return None
        return UserRow(
            d["id"], d["version"], d["username"], d["first_name"], d["last_name"],
            d.get("email"), d["extension"], d.get("phone_number"), d["role"],
            tuple(d["desks"]), tuple(d["skills"]), tuple(d["tags"]), d["active"],
            d["two_factor"], status, d.get("status_text"),
            datetime.fromisoformat(d["status_since"]), _live_call(d.get("live_call")),
            d["session_count"], _time(d.get("last_activity")), d.get("changed_by"),
            _time(d.get("changed_at")), d.get("must_change_password") is True,
        )  # fmt: skip
    except (KeyError, ValueError):  # _BadError included: the checked path says what is wrong
        return None


def server_time(data: Any) -> datetime | None:
    """The answer's `server_time` (aware); None when missing or malformed.

    Lenient on purpose: it only dates the data, so a bad one must not throw away a good
    answer; the caller falls back to the arrival time.
    """
    value = data.get("server_time") if isinstance(data, dict) else None
    try:
        when = _time(value)
    except _BadError:
        return None
    return when if when is not None and when.utcoffset() is not None else None


def parse_snapshot_batch(body: bytes) -> ChangeBatch:
    """`/users` as a full batch, with the server's time of the answer."""
    data = loads(body)
    users, cursor = rows(_field(data, "users", list)), _field(data, "cursor", int)
    return ChangeBatch(
        users, [], cursor, full=True, server_time=server_time(data),
        settings_version=_settings_version(data),
    )  # fmt: skip


def parse_changes(body: bytes) -> ChangeBatch:
    data = loads(body)
    deleted = _field(data, "deleted", list)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in deleted):
        raise MalformedResponseError("The server's answer has a malformed 'deleted'.")
    users = rows(_field(data, "users", list))
    cursor = _field(data, "cursor", int)
    return ChangeBatch(
        users, deleted, cursor, server_time=server_time(data),
        settings_version=_settings_version(data),
    )  # fmt: skip


def _settings_version(data: Any) -> int | None:
    """Lenient like `server_time`: a bad one must not throw away a good answer."""
    value = data.get("settings_version") if isinstance(data, dict) else None
    return value if type(value) is int else None


def session_info(body: Any) -> SessionInfo:
    try:
        expires = _time(body.get("expires_at")) if isinstance(body, dict) else None
    except _BadError as exc:
        raise MalformedResponseError(f"The sign-in answer is malformed: {exc}") from exc
    return SessionInfo(
        token=_field(body, "token", str),
        role=_field(body, "role", str),
        expires_at=expires,
        username=_field(body, "username", str),
        user_id=_field(body, "user_id", int),
        # Absent from an older server: nothing is required then.
        password_change_required=body.get("password_change_required") is True,
        two_factor_enrolment_required=body.get("two_factor_enrolment_required") is True,
    )


def objects(data: Any) -> list[dict[str, Any]]:
    """A list of plain objects (sessions, calls, audit entries), shown as they come."""
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise MalformedResponseError(
            "The server sent a malformed answer: expected a list of objects."
        )
    return data


def preview(data: Any) -> Preview:
    try:
        d = _object(data, "a bulk preview")
        skipped = _object(d["skipped"], "skipped")
        return Preview(
            _int(d["total"], "total"), _int(d["will_change"], "will_change"),
            {_str(k, "a skip reason"): _int(v, "a skip count") for k, v in skipped.items()},
            _int(d["live_calls"], "live_calls"),
            _int(d.get("calls_continue", 0), "calls_continue"),
        )  # fmt: skip
    except (KeyError, _BadError) as exc:
        raise MalformedResponseError(f"The server sent a malformed bulk preview: {exc}") from exc


def _user_result(data: Any) -> UserResult:
    r = _object(data, "a bulk result")
    return UserResult(
        _int(r["user_id"], "user_id"), _str(r["name"], "name"),
        _str(r["outcome"], "outcome"), _opt_str(r["reason"], "reason") or "",
    )  # fmt: skip


def job_state(data: Any) -> JobState:
    """A bulk job as `GET /bulk-jobs/{id}` answers it (its results may be left out)."""
    try:
        d = _object(data, "a bulk job")
        results = d.get("results") or []
        if not isinstance(results, list):
            raise _BadError("results must be a list")
        total, done, skipped, failed = (
            _int(d[k], k) for k in ("total", "done", "skipped", "failed")
        )
        return JobState(
            _int(d["id"], "id"), _str(d["action"], "action"), _str(d["state"], "state"),
            total, done, skipped, failed, tuple(_user_result(r) for r in results),
        )  # fmt: skip
    except (KeyError, _BadError) as exc:
        raise MalformedResponseError(f"The server sent a malformed bulk job: {exc}") from exc


def parse_job_state(body: bytes) -> JobState:
    return job_state(loads(body))


def job_id(data: Any) -> int:
    """The id in the answer to `POST /bulk-jobs`."""
    return int(_field(data, "id", int))


THRESHOLD_KINDS = ("break", "dnd", "meeting", "other", "unavailable", "call", "stuck")


def thresholds(body: Any) -> Thresholds:
    """`GET /settings/thresholds`; kinds missing or malformed are left out (never a failure:
    the panel then simply has no limit for them)."""
    if not isinstance(body, dict):
        return Thresholds()
    raw = body.get("thresholds")
    limits: dict[str, Limit] = {}
    if isinstance(raw, dict):
        for kind in THRESHOLD_KINDS:
            item = raw.get(kind)
            if isinstance(item, dict):
                warn, alert = item.get("warn_s"), item.get("alert_s")
                if type(warn) is int and type(alert) is int and 0 < warn < alert:
                    limits[kind] = Limit(warn, alert)
    version = body.get("version")
    return Thresholds(version if type(version) is int else 0, limits)
