"""Decoding and validating the API's JSON answers into typed values.

Anything that is not what docs/API.md promises raises `MalformedResponse`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from supervisor_console.api.errors import MalformedResponse
from supervisor_console.api.types import ChangeBatch, MalformedData, UserRow, parse_time


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What a successful sign-in returns; the token is left out of the repr."""

    token: str = field(repr=False)
    role: str
    expires_at: datetime | None
    username: str
    user_id: int


def loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError; absurdly deep nesting
        raise MalformedResponse(f"The server sent invalid JSON: {exc}") from exc


def loads_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None  # an error page in HTML: the status code still says what happened


def row(data: Any) -> UserRow:
    try:
        return UserRow.from_json(data)
    except MalformedData as exc:
        raise MalformedResponse(f"The server sent a malformed user row: {exc}") from exc


def _rows(data: Any) -> list[UserRow]:
    if not isinstance(data, list):
        raise MalformedResponse("The server sent a malformed answer: users is not a list.")
    return [row(item) for item in data]


def objects(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise MalformedResponse("The server sent a malformed answer: expected a list of objects.")
    return data


def _field(body: Any, name: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(body, dict) or name not in body:
        raise MalformedResponse(f"The server's answer has no {name!r}.")
    value = body[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise MalformedResponse(f"The server's answer has a malformed {name!r}.")
    return value


def server_time(data: Any) -> datetime | None:
    """The answer's `server_time` (aware); None when missing or malformed.

    Lenient on purpose: it only dates the data, so a bad one must not throw away a good
    answer; the caller falls back to the arrival time.
    """
    value = data.get("server_time") if isinstance(data, dict) else None
    try:
        when = parse_time(value)
    except MalformedData:
        return None
    return when if when is not None and when.utcoffset() is not None else None


def parse_snapshot(body: bytes) -> tuple[list[UserRow], int]:
    batch = parse_snapshot_batch(body)
    return batch.changed, batch.cursor


def parse_snapshot_batch(body: bytes) -> ChangeBatch:
    """`/users` as a full batch, with the server's time of the answer."""
    data = loads(body)
    rows, cursor = _rows(_field(data, "users", list)), _field(data, "cursor", int)
    return ChangeBatch(rows, [], cursor, full=True, server_time=server_time(data))


def parse_changes(body: bytes) -> ChangeBatch:
    data = loads(body)
    deleted = _field(data, "deleted", list)
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in deleted):
        raise MalformedResponse("The server's answer has a malformed 'deleted'.")
    rows = _rows(_field(data, "users", list))
    cursor = _field(data, "cursor", int)
    return ChangeBatch(rows, deleted, cursor, server_time=server_time(data))


def session_info(body: Any) -> SessionInfo:
    try:
        expires = parse_time(body.get("expires_at")) if isinstance(body, dict) else None
    except MalformedData as exc:
        raise MalformedResponse(f"The sign-in answer is malformed: {exc}") from exc
    return SessionInfo(
        token=_field(body, "token", str),
        role=_field(body, "role", str),
        expires_at=expires,
        username=_field(body, "username", str),
        user_id=_field(body, "user_id", int),
    )
