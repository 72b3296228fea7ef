"""Plain data types shared by the API client, the change feed and the Qt models.

No Qt here: the models adapt these to Qt, the views draw them. `api/wire.py` builds them
from the server's JSON.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
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


@dataclass(slots=True, frozen=True)
class LiveCall:
    id: int
    direction: str
    peer: str
    started_at: datetime


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
    # Signed in with a temporary password and not changed it yet (absent: False).
    must_change_password: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or f"({self.username})"


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
    # The version of the server's shared settings (time limits): newer than the console's
    # means read them again. None: the server did not say.
    settings_version: int | None = None


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


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What a successful sign-in returns; the token is left out of the repr."""

    token: str = field(repr=False)
    role: str
    expires_at: datetime | None
    username: str
    user_id: int
    # The token is good only for changing the password / enrolling 2FA until that is done.
    password_change_required: bool = False
    two_factor_enrolment_required: bool = False

    @property
    def restricted(self) -> bool:
        return self.password_change_required or self.two_factor_enrolment_required


@dataclass(frozen=True, slots=True)
class Preview:
    """What a bulk job would do, as the server counts it before it runs."""

    total: int
    will_change: int
    skipped: dict[str, int]
    live_calls: int
    # Set status over live calls: the calls go on (absent from other actions' previews).
    calls_continue: int = 0

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())


@dataclass(frozen=True, slots=True)
class UserResult:
    user_id: int
    name: str
    outcome: str  # pending / done / skipped / failed
    reason: str


JOB_FINISHED = frozenset({"done", "cancelled"})


@dataclass(frozen=True, slots=True)
class JobState:
    """A bulk job as the server reports it; `results` only once it has finished."""

    id: int
    action: str
    state: str  # queued / running / done / cancelled
    total: int
    done: int
    skipped: int
    failed: int
    results: tuple[UserResult, ...] = ()

    @property
    def finished(self) -> bool:
        return self.state in JOB_FINISHED

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.failed

    def ids_with(self, outcome: str) -> list[int]:
        return [r.user_id for r in self.results if r.outcome == outcome]


@dataclass(frozen=True, slots=True)
class Limit:
    warn_s: int
    alert_s: int


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The server's limits, with the version the change feed announces."""

    version: int = 0
    limits: Mapping[str, Limit] = field(default_factory=dict)
