"""Request and response bodies (pydantic): validation and the OpenAPI description."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

StatusName = Literal[
    "available", "busy", "unavailable", "break", "dnd", "meeting", "other", "offline"
]
RoleName = Literal["agent", "supervisor", "admin"]
Label = Annotated[str, Field(min_length=1, max_length=64)]
# A row id or version as the database stores it (64-bit): larger numbers are a 422, not a 500.
DbId = Annotated[int, Field(ge=0, le=2**63 - 1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    otp: str | None = Field(
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
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class EnrollAnswer(BaseModel):
    secret: str
    otpauth_uri: str


class ConfirmBody(Strict):
    code: str = Field(min_length=1, max_length=64)


class ConfirmAnswer(BaseModel):
    backup_codes: list[str]


class OwnStatusBody(Strict):
    status: Literal["available", "break", "dnd", "meeting", "other"]
    text: str | None = Field(default=None, max_length=200)


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
    server_time: str


class ChangesAnswer(Snapshot):
    deleted: list[int]


class ActionBody(Strict):
    expected_status: StatusName | None = Field(
        default=None, description="The status the supervisor saw; 409 when it no longer holds."
    )


class LogoutBody(ActionBody):
    session_id: int | None = Field(default=None, description="End only this session.")


class ResetPasswordBody(ActionBody):
    require_change: bool = True


class RecycleInfo(Strict):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: str = Field(min_length=3, max_length=254)
    send_welcome_email: bool = False


class ResetBody(ActionBody):
    delete_voicemail: bool = False
    delete_greetings: bool = False
    delete_answering_rules: bool = False
    delete_custom_contacts: bool = False
    unassign_phone_number: bool = False
    remove_lines: bool = False
    recycle: RecycleInfo | None = None


class StatusBody(ActionBody):
    status: Literal["break", "dnd", "meeting", "other"]
    text: str | None = Field(default=None, max_length=200)


class ActionAnswer(BaseModel):
    user: UserRowModel | None = None
    message: str | None = None
    disconnected_call: dict[str, object] | None = None
    ended_sessions: int | None = None
    temporary_password: str | None = None
    summary: dict[str, object] | None = None
    deleted_id: int | None = None
    unassigned_leads: int | None = None
    replayed: bool = False


class Filter(Strict):
    search: str | None = Field(default=None, max_length=200)
    statuses: list[StatusName] | None = None
    desk: str | None = Field(default=None, max_length=64)
    role: RoleName | None = None
    skill: str | None = Field(default=None, max_length=64)
    tag: str | None = Field(default=None, max_length=64)
    active: bool | None = None
    stuck: bool | None = None


class IdsScope(Strict):
    kind: Literal["ids"]
    ids: list[int] = Field(max_length=200_000)


class FilterScope(Strict):
    kind: Literal["filter"]
    filter: Filter


class AllScope(Strict):
    kind: Literal["all"]


BulkAction = Literal[
    "activate", "deactivate", "delete", "logout", "reset-dialer", "set-status",
    "add-skills", "remove-skills", "set-skills", "add-tags", "remove-tags", "set-tags",
    "add-desks", "remove-desks", "set-desks", "set-role",
]  # fmt: skip


class BulkParams(Strict):
    status: Literal["break", "dnd", "meeting", "other"] | None = None
    text: str | None = Field(default=None, max_length=200)
    values: list[Label] | None = Field(default=None, max_length=100)
    role: RoleName | None = None


class BulkBody(Strict):
    action: BulkAction
    scope: Annotated[IdsScope | FilterScope | AllScope, Field(discriminator="kind")]
    params: BulkParams = Field(default_factory=BulkParams)
    expected_versions: dict[str, DbId] | None = Field(
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
