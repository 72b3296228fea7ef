"""What every single-user action is made of: a rule, a confirmation, an API call, a message.

No Qt here. The context menu, the keyboard shortcut, the detail pane buttons and the bulk
dialog all read the same unit, so they never disagree about what an action does. A unit
declares how it behaves (its dialog, whether the row is watched after it ran, what it
loads before its dialog); `actions/flow.py` runs every unit the same way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from supervisor_console.api.types import UserRow

P = TypeVar("P")


class DialogKind(enum.Enum):
    """Which dialog collects the action's input (views/dialogs/runner.py: one per kind)."""

    CONFIRM = "confirm"  # a yes/no confirmation built from `confirmation()`
    RESET_PASSWORD = "reset-password"  # options, then the temporary password shown once
    RECYCLE = "recycle"  # the seven options, recycle fields, a review step
    SET_STATUS = "set-status"  # break / dnd / meeting / other with text
    PICK_SESSION = "pick-session"  # the user's sessions (`prepare()` loads them), one to end
    EDIT = "edit"  # the user's settings, field by field (`prepare()` loads free numbers)


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether an action applies to a row; `reason` says why not (the menu's tooltip).

    `explain` asks the caller to show the reason in a dialog when the shortcut is used
    anyway (the reset of an Offline dialer needs more than a status-bar line).
    """

    enabled: bool
    reason: str = ""
    explain: bool = False


ENABLED = Availability(True)


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A confirmation: `question` is shown word for word, `details` state the consequences."""

    title: str
    question: str
    details: tuple[str, ...] = ()
    confirm_label: str = "Confirm"
    destructive: bool = True


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request under /api/v1, carrying the precondition the supervisor saw."""

    method: str
    path: str
    json: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def precondition(row: UserRow) -> dict[str, str]:
    """`If-Match` with the version the supervisor saw (the status goes in the body)."""
    return {"If-Match": str(row.version)}


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def who(row: UserRow) -> str:
    """The user as a confirmation names them: full name and username."""
    return f"{row.name} ({row.username})"


class UserReads(Protocol):
    """The reads a unit may need before its dialog (ApiClient satisfies it)."""

    async def sessions(self, user_id: int) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class Prepared:
    """What a unit loaded before its dialog: `context` for the dialog, or why it cannot go
    on (`title`, `refusal`: shown as a notice, and nothing is sent)."""

    context: Any = None
    title: str = ""
    refusal: str | None = None


READY = Prepared()


class MenuAction:
    """An entry of the actions menu: its key, label, shortcut and when it applies."""

    key: ClassVar[str]
    label: ClassVar[str]
    short_label: ClassVar[str] = ""  # for a narrow button; the label when empty
    shortcut: ClassVar[str] = ""  # QKeySequence portable text, e.g. "Ctrl+D"
    # False when a widget already handles the key itself (the panel opens details on Enter).
    own_shortcut: ClassVar[bool] = True
    admin_only: ClassVar[bool] = False
    verb: ClassVar[str] = ""  # "Your role (supervisor) cannot <verb>."
    group: ClassVar[str] = "supervise"  # menu section

    @property
    def button_label(self) -> str:
        return self.short_label or self.label

    def availability(self, row: UserRow, role: str | None) -> Availability:
        # An unknown role (a remembered token) is left to the server to refuse.
        if self.admin_only and role is not None and role != "admin":
            return Availability(False, f"Your role ({role}) cannot {self.verb}.")
        return self.rule(row)

    def rule(self, row: UserRow) -> Availability:
        """The action's own rule on the row (role already checked)."""
        return ENABLED


class NavigationAction(MenuAction):
    """Opens the user's details (at `section`, a list of the pane): no dialog, no call."""

    section: ClassVar[str | None] = None
    group = "view"


class UserAction(MenuAction, Generic[P]):
    """One action that changes one user. Subclasses set the class attributes and override
    the hooks. `P` is the type of the input its dialog collects (None for a plain confirm).
    """

    dialog: ClassVar[DialogKind] = DialogKind.CONFIRM
    # Watch the row after the call until it shows Available (the dialer reset's 30 s rule).
    watch_after_run: ClassVar[bool] = False

    def availability(self, row: UserRow, role: str | None) -> Availability:
        # Supervisors act on agents; supervisor and admin accounts are for admins
        # (docs/rules.md, "Who may run what"). The server checks it again.
        if role == "supervisor" and row.role != "agent":
            kind = "an admin" if row.role == "admin" else "a supervisor"
            return Availability(
                False, f"Only an admin can act on {kind}'s account; supervisors act on agents."
            )
        return super().availability(row, role)

    async def prepare(self, reads: UserReads, row: UserRow) -> Prepared:
        """Load what the dialog needs (default: nothing)."""
        return READY

    def confirmation(self, row: UserRow, params: P) -> Confirmation | None:
        """What the confirmation says; None for actions that need none."""
        return None

    def call(self, row: UserRow, params: P) -> ApiCall:
        raise NotImplementedError

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        return f"{self.label}: done for {row.name}."
