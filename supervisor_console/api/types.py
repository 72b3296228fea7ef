"""Plain data types shared by the API client, the change feed and the Qt models.

No Qt here: the models adapt these to Qt, the views draw them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Status(enum.StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    UNAVAILABLE = "unavailable"
    BREAK = "break"
    DND = "dnd"
    MEETING = "meeting"
    OTHER = "other"
    OFFLINE = "offline"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.AVAILABLE: "Available",
    Status.BUSY: "Busy",
    Status.UNAVAILABLE: "Unavailable",
    Status.BREAK: "Break",
    Status.DND: "Do Not Disturb",
    Status.MEETING: "Meeting",
    Status.OTHER: "Other",
    Status.OFFLINE: "Offline",
}


class MalformedData(ValueError):
    """The server sent something that is not a valid row; the caller keeps its last good state."""


def parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedData(f"expected a time string, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedData(f"bad time {value!r}") from exc


def _str_list(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MalformedData(f"{name} must be a list of strings")
    return tuple(value)


@dataclass(slots=True, frozen=True)
class LiveCall:
    id: int
    direction: str
    peer: str
    started_at: datetime

    @classmethod
    def from_json(cls, data: Any) -> LiveCall | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            raise MalformedData("live_call must be an object or null")
        try:
            started = parse_time(data["started_at"])
            assert started is not None
            # No coercion: a null peer must not show as the number "None".
            return cls(
                _int(data["id"], "live_call.id"),
                _str(data["direction"], "live_call.direction"),
                _str(data["peer"], "live_call.peer"),
                started,
            )
        except (KeyError, TypeError, ValueError, AssertionError) as exc:
            raise MalformedData(f"bad live_call: {exc}") from exc


@dataclass(slots=True, frozen=True)
class UserRow:
    """One user as the live panel shows it (the API's UserRow)."""

    id: int
    version: int
    username: str
    first_name: str
    last_name: str
    email: str | None
    extension: str
    phone_number: str | None
    role: str
    desks: tuple[str, ...]
    skills: tuple[str, ...]
    tags: tuple[str, ...]
    active: bool
    two_factor: bool
    status: Status
    status_text: str | None
    status_since: datetime
    live_call: LiveCall | None
    session_count: int
    last_activity: datetime | None
    changed_by: str | None
    changed_at: datetime | None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or f"({self.username})"

    @classmethod
    def from_json(cls, data: Any) -> UserRow:
        """Parse and validate one row; raises MalformedData on anything unexpected.

        A snapshot parses 50,000 rows: the common, valid case is checked with inline type
        tests; anything odd goes through the field-by-field path for a precise message.
        """
        row = _fast_row(cls, data)
        return row if row is not None else cls._checked(data)

    @classmethod
    def _checked(cls, data: Any) -> UserRow:
        if not isinstance(data, dict):
            raise MalformedData("a user row must be an object")
        try:
            status = Status(data["status"])
        except (KeyError, ValueError) as exc:
            raise MalformedData(f"unknown status {data.get('status')!r}") from exc
        try:
            since = parse_time(data["status_since"])
            if since is None:
                raise MalformedData("status_since missing")
            row = cls(
                id=_int(data["id"], "id"),
                version=_int(data["version"], "version"),
                username=_str(data["username"], "username"),
                first_name=_str(data["first_name"], "first_name"),
                last_name=_str(data["last_name"], "last_name"),
                email=_opt_str(data.get("email"), "email"),
                extension=_str(data["extension"], "extension"),
                phone_number=_opt_str(data.get("phone_number"), "phone_number"),
                role=_str(data["role"], "role"),
                desks=_str_list(data["desks"], "desks"),
                skills=_str_list(data["skills"], "skills"),
                tags=_str_list(data["tags"], "tags"),
                active=_bool(data["active"], "active"),
                two_factor=_bool(data["two_factor"], "two_factor"),
                status=status,
                status_text=_opt_str(data.get("status_text"), "status_text"),
                status_since=since,
                live_call=LiveCall.from_json(data.get("live_call")),
                session_count=_int(data["session_count"], "session_count"),
                last_activity=parse_time(data.get("last_activity")),
                changed_by=_opt_str(data.get("changed_by"), "changed_by"),
                changed_at=parse_time(data.get("changed_at")),
            )
        except KeyError as exc:
            raise MalformedData(f"user row without {exc.args[0]!r}") from exc
        return row


_STATUS_BY_VALUE = {s.value: s for s in Status}
_STR_FIELDS = ("username", "first_name", "last_name", "extension", "role")
_OPT_STR_FIELDS = ("email", "phone_number", "status_text", "changed_by")
_LIST_FIELDS = ("desks", "skills", "tags")


def _fast_row(cls: type[UserRow], d: Any) -> UserRow | None:
    """The row when every field has exactly the expected type, else None."""
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
        return cls(
            d["id"], d["version"], d["username"], d["first_name"], d["last_name"],
            d.get("email"), d["extension"], d.get("phone_number"), d["role"],
            tuple(d["desks"]), tuple(d["skills"]), tuple(d["tags"]), d["active"],
            d["two_factor"], status, d.get("status_text"),
            datetime.fromisoformat(d["status_since"]), LiveCall.from_json(d.get("live_call")),
            d["session_count"], parse_time(d.get("last_activity")), d.get("changed_by"),
            parse_time(d.get("changed_at")),
        )  # fmt: skip
    except (KeyError, ValueError, MalformedData):
        return None


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedData(f"{name} must be an integer")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise MalformedData(f"{name} must be true or false")
    return value


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise MalformedData(f"{name} must be a string")
    return value


def _opt_str(value: Any, name: str) -> str | None:
    return None if value is None else _str(value, name)


@dataclass(slots=True, frozen=True)
class ChangeBatch:
    """What the feed hands to the model: either a full snapshot or an incremental batch."""

    changed: list[UserRow]
    deleted: list[int]
    cursor: int
    full: bool = False
    # When the server produced this answer, on the console's clock (see
    # ApiClient.snapshot): what the data's age counts from. None: the server did not say.
    server_time: datetime | None = None


class ConnectionState(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    UNREACHABLE = "unreachable"
    SIGNED_OUT = "signed out"


@dataclass(slots=True, frozen=True)
class FeedStatus:
    """The feed's connection state, for the status bar."""

    state: ConnectionState
    retry_in: float | None = None  # seconds until the next attempt, when reconnecting
    # When the server last confirmed the data current: the server's time of its last
    # answer (see ApiClient.snapshot), the arrival time if it did not say.
    last_ok: datetime | None = None
    message: str = ""
