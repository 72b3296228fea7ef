"""Request and response bodies (pydantic): validation and the OpenAPI description."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

StatusName = Literal[
    "available", "busy", "unavailable", "break", "dnd", "meeting", "other", "offline"
]
RoleName = Literal["agent", "supervisor", "admin"]

# --- input limits: what both databases store (docs/API.md, "Input limits") ------------------
# Out of range is a 422 here, never a database error (a 500) later.

MAX_ROW_ID = 2**31 - 1  # users, bulk jobs and the columns that refer to them: 32-bit INTEGER
MAX_BIG = 2**63 - 1  # versions, feed cursors, session ids: 64-bit (BIGINT on PostgreSQL)
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
"""A user or bulk job id, in a path, a query or a body."""
BigId = Annotated[int, Field(ge=0, le=MAX_BIG)]
"""A row version, a feed cursor or a session id."""


def _storable(value: str) -> str:
    """PostgreSQL's text cannot hold NUL, and neither database encodes a lone surrogate."""
    if "\x00" in value:
        raise PydanticCustomError(
            "nul_character", "Text must not contain the NUL character (U+0000)."
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "lone_surrogate", "Text must be valid Unicode (no unpaired surrogate)."
        ) from None
    return value


Text = Annotated[str, AfterValidator(_storable)]
"""Any text from a client: without NUL, encodable as UTF-8. Lengths are set where used."""
Label = Annotated[Text, Field(min_length=1, max_length=64)]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Instant = Annotated[datetime, AfterValidator(_utc)]
"""A time; without an offset it is UTC. Years 1 to 9999 (see `epoch_seconds`)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_seconds(value: datetime) -> float:
    """UNIX seconds, as the database stores times. Not `datetime.timestamp()`: for a naive
    time that goes through local time, and year 1 then overflows (`year 0 is out of range`);
    a subtraction of aware times never builds an out-of-range date."""
    return (_utc(value) - _EPOCH).total_seconds()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(Strict):
    username: Text = Field(min_length=1, max_length=64)
    password: Text = Field(min_length=1, max_length=256)
    otp: Text | None = Field(
        default=None, max_length=64, description="A TOTP code or a backup code (2FA users)."
    )


class LoginAnswer(BaseModel):
    token: str
    role: RoleName
    expires_at: str
    user_id: int
    username: str
    name: str
    password_change_required: bool
    two_factor_enrolment_required: bool


class MeAnswer(BaseModel):
    user_id: int
    username: str
    name: str
    role: RoleName
    password_change_required: bool
    two_factor_enrolment_required: bool
    two_factor: bool


class PasswordBody(Strict):
    current_password: Text = Field(min_length=1, max_length=256)
    new_password: Text = Field(min_length=1, max_length=256)


class EnrollAnswer(BaseModel):
    secret: str
    otpauth_uri: str


class ConfirmBody(Strict):
    code: Text = Field(min_length=1, max_length=64)


class ConfirmAnswer(BaseModel):
    backup_codes: list[str]


class OwnStatusBody(Strict):
    status: Literal["available", "break", "dnd", "meeting", "other"]
    text: Text | None = Field(default=None, max_length=200)


class OwnStatusAnswer(BaseModel):
    status: StatusName
    status_text: str | None
    status_since: str


SessionKind = Literal["device", "console", "api"]


class SessionModel(BaseModel):
    id: int
    kind: SessionKind
    client: str
    address: str | None
    started_at: str
    last_seen: str


class SessionListed(SessionModel):
    user_id: int
    username: str
    name: str
    role: RoleName


class SessionsAnswer(BaseModel):
    sessions: list[SessionListed]
    server_time: str


class LiveCallModel(BaseModel):
    id: int
    direction: Literal["inbound", "outbound"]
    peer: str
    started_at: str


class UserRowModel(BaseModel):
    id: int
    version: int
    username: str
    first_name: str
    last_name: str
    email: str | None
    extension: str
    phone_number: str | None
    role: RoleName
    desks: list[str]
    skills: list[str]
    tags: list[str]
    active: bool
    two_factor: bool
    must_change_password: bool
    status: StatusName
    status_text: str | None
    status_since: str
    live_call: LiveCallModel | None
    session_count: int
    last_activity: str | None
    changed_by: str | None
    changed_at: str | None


class Snapshot(BaseModel):
    users: list[UserRowModel]
    cursor: int
    settings_version: int = Field(
        description="The time limits' version: GET /settings/thresholds when it is newer"
    )
    server_time: str


class ChangesAnswer(Snapshot):
    deleted: list[int]


class ActionBody(Strict):
    expected_status: StatusName | None = Field(
        default=None, description="The status the supervisor saw; 409 when it no longer holds."
    )


class LogoutBody(ActionBody):
    session_id: BigId | None = Field(default=None, description="End only this session.")


class ResetPasswordBody(ActionBody):
    require_change: bool = True


class RecycleInfo(Strict):
    first_name: Text = Field(min_length=1, max_length=100)
    last_name: Text = Field(min_length=1, max_length=100)
    email: Text | None = Field(default=None, max_length=254, description="null: none")
    send_welcome_email: bool = False
    keep_assignments: bool = Field(
        default=False, description="keep the seat's skills, tags and desks (cleared by default)"
    )


class ResetBody(ActionBody):
    delete_voicemail: bool = False
    delete_greetings: bool = False
    delete_answering_rules: bool = False
    delete_custom_contacts: bool = False
    unassign_phone_number: bool = False
    remove_lines: bool = False
    recycle: RecycleInfo | None = None


SettableStatus = Literal["available", "break", "dnd", "meeting", "other"]


class StatusBody(ActionBody):
    status: SettableStatus
    text: Text | None = Field(default=None, max_length=200)


class ActionAnswer(BaseModel):
    user: UserRowModel | None = None
    message: str | None = None
    disconnected_call: dict[str, object] | None = None
    ended_sessions: int | None = None
    temporary_password: str | None = None
    summary: dict[str, object] | None = None
    deleted_id: int | None = None
    unassigned_leads: int | None = None
    live_call_continues: bool | None = None
    replayed: bool = False


class EditBody(Strict):
    """Any subset of these; `email: null` clears the email, `phone_number: null` unassigns."""

    first_name: Text | None = Field(default=None, max_length=100)
    last_name: Text | None = Field(default=None, max_length=100)
    email: Text | None = Field(default=None, max_length=254)
    extension: Text | None = Field(default=None, max_length=16)
    phone_number: Text | None = Field(default=None, max_length=32)
    role: RoleName | None = None
    desks: list[Label] | None = Field(default=None, max_length=100)
    skills: list[Label] | None = Field(default=None, max_length=100)
    tags: list[Label] | None = Field(default=None, max_length=100)


class EditAnswer(BaseModel):
    user: UserRowModel
    changed: list[str]


class PhoneNumberModel(BaseModel):
    number: str
    state: str
    user_id: int | None


class PhoneNumbers(BaseModel):
    phone_numbers: list[PhoneNumberModel]


class Filter(Strict):
    search: Text | None = Field(default=None, max_length=200)
    statuses: list[StatusName] | None = None
    desk: Text | None = Field(default=None, max_length=64)
    role: RoleName | None = None
    skill: Text | None = Field(default=None, max_length=64)
    tag: Text | None = Field(default=None, max_length=64)
    active: bool | None = None
    stuck: bool | None = None


class IdsScope(Strict):
    kind: Literal["ids"]
    ids: list[RowId] = Field(max_length=200_000)


class FilterScope(Strict):
    kind: Literal["filter"]
    filter: Filter


class AllScope(Strict):
    kind: Literal["all"]


BulkAction = Literal[
    "activate", "deactivate", "delete", "logout", "reset-dialer", "set-status",
    "add-skills", "remove-skills", "set-skills", "add-tags", "remove-tags", "set-tags",
    "add-desks", "remove-desks", "set-desks", "set-role", "reset",
]  # fmt: skip


class BulkParams(Strict):
    status: SettableStatus | None = None
    text: Text | None = Field(default=None, max_length=200)
    values: list[Label] | None = Field(default=None, max_length=100)
    role: RoleName | None = None
    # reset: the options of ResetBody, and who is recycled as whom (the others are reset)
    delete_voicemail: bool | None = None
    delete_greetings: bool | None = None
    delete_answering_rules: bool | None = None
    delete_custom_contacts: bool | None = None
    unassign_phone_number: bool | None = None
    remove_lines: bool | None = None
    recycle_details: dict[str, RecycleInfo] | None = Field(
        default=None, max_length=10_000, description="user id -> the seat's new holder"
    )


class BulkBody(Strict):
    action: BulkAction
    scope: Annotated[IdsScope | FilterScope | AllScope, Field(discriminator="kind")]
    params: BulkParams = Field(default_factory=BulkParams)
    expected_versions: dict[str, BigId] | None = Field(
        default=None, description="user id -> the row version the supervisor previewed"
    )


class BulkCreated(BaseModel):
    id: int
    total: int


class BulkPreview(BaseModel):
    total: int
    will_change: int
    skipped: dict[str, int]
    live_calls: int
    calls_continue: int | None = Field(
        default=None, description="set-status only: live calls that go on (not disconnected)"
    )


class BulkResult(BaseModel):
    user_id: int
    name: str
    outcome: Literal["pending", "done", "skipped", "failed"]
    reason: str | None


class BulkJob(BaseModel):
    id: int
    action: str
    actor: str
    state: Literal["queued", "running", "done", "cancelled"]
    total: int
    done: int
    skipped: int
    failed: int
    created_at: str
    finished_at: str | None
    results: list[BulkResult]


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    current: UserRowModel | None = None


# --- time limits (issue 15) ----------------------------------------------------------------

ThresholdKind = Literal["break", "dnd", "meeting", "other", "unavailable", "call", "stuck"]
Seconds = Annotated[int, Field(strict=True, description="seconds")]


class ThresholdPair(Strict):
    warn_s: Seconds
    alert_s: Seconds


class ThresholdsBody(Strict):
    thresholds: dict[ThresholdKind, ThresholdPair] = Field(
        description="Some kinds or all; the others keep their limits. 0 < warn_s < alert_s "
        "<= 86400 for each."
    )


class ThresholdsAnswer(BaseModel):
    version: int
    thresholds: dict[ThresholdKind, ThresholdPair]
    changed_by: str | None
    changed_at: str | None


# --- saved views (issue 15) ----------------------------------------------------------------

ViewName = Annotated[Text, Field(min_length=1, max_length=60)]
Layout = Annotated[
    dict[str, Any],
    Field(description="The console's layout: any JSON object up to 64 KB, stored as given."),
]


class ViewBody(Strict):
    name: ViewName
    shared: bool = Field(default=False, strict=True)
    layout: Layout


class ViewChange(Strict):
    """Any of these; a field left out keeps its value (null is not a value here)."""

    name: ViewName | None = None
    shared: bool | None = Field(default=None, strict=True)
    layout: Layout | None = None


class ViewModel(BaseModel):
    id: int
    name: str
    owner: str
    shared: bool
    layout: dict[str, Any]
    created_at: str
    updated_at: str
    version: int


class ViewsAnswer(BaseModel):
    views: list[ViewModel]
