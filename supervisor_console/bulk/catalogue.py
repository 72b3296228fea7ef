"""The bulk actions: what each one is called, who may run it, what it needs, how risky it is.

The actions that also exist for one user take their label, admin-only rule and verb from
the single-user unit (`supervisor_console.actions`), so the menu and the bulk dialog agree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from supervisor_console.actions.base import Availability
from supervisor_console.actions.catalogue import BY_KEY

ENABLED = Availability(True)


class ParamKind(enum.Enum):
    NONE = "none"
    STATUS = "status"  # break / dnd / meeting / other with a text
    VALUES = "values"  # skills, tags or desks
    ROLE = "role"
    RESET = "reset"  # the reset options, and new holders' details for recycled seats


class Danger(enum.Enum):
    """How hard the confirmation is: what the supervisor must type before it runs."""

    NONE = "none"
    COUNT = "count"  # type the number of users that will change
    WORD = "word"  # type the word shown (delete)
    COUNT_IF_CALLS = "count-if-calls"  # type the count when live calls would be disconnected


@dataclass(frozen=True, slots=True)
class BulkAction:
    key: str  # the server's action name
    label: str
    admin_only: bool
    verb: str  # "Your role (supervisor) cannot <verb>."
    params: ParamKind = ParamKind.NONE
    column: str = ""  # skills / tags / desks for ParamKind.VALUES
    danger: Danger = Danger.NONE
    group: str = ""  # the dialog lists actions by group

    def availability(self, role: str | None) -> Availability:
        """Whether the signed-in `role` may run it (an unknown role is left to the server)."""
        if self.admin_only and role is not None and role != "admin":
            return Availability(False, f"Your role ({role}) cannot {self.verb}.")
        return ENABLED

    def needs_typing(self, live_calls: int) -> bool:
        if self.danger is Danger.COUNT_IF_CALLS:
            return live_calls > 0
        return self.danger in (Danger.COUNT, Danger.WORD)


def _from_unit(
    key: str, label: str, group: str, danger: Danger = Danger.NONE,
    params: ParamKind = ParamKind.NONE,
) -> BulkAction:  # fmt: skip
    unit = BY_KEY[key]
    return BulkAction(key, label, unit.admin_only, unit.verb, params, danger=danger, group=group)


def _list_action(column: str, mode: str) -> BulkAction:
    title = {"add": "Add {c}", "remove": "Remove {c}", "set": "Replace {c} with"}[mode]
    group = column.capitalize()
    verb = f"change {column}"
    return BulkAction(
        f"{mode}-{column}",
        title.format(c=column),
        True,
        verb,
        ParamKind.VALUES,
        column,
        group=group,
    )


def _list_actions(column: str) -> list[BulkAction]:
    return [_list_action(column, mode) for mode in ("add", "remove", "set")]


_SESSIONS, _ACCOUNTS = "Status and sessions", "Accounts"
BULK_ACTIONS: tuple[BulkAction, ...] = (
    _from_unit("reset-dialer", "Reset dialer status", _SESSIONS, Danger.COUNT_IF_CALLS),
    _from_unit("logout", "Force logout (all sessions)", _SESSIONS, Danger.COUNT),
    _from_unit("set-status", "Set status", _SESSIONS, params=ParamKind.STATUS),
    _from_unit("activate", "Activate", _ACCOUNTS),
    _from_unit("deactivate", "Deactivate", _ACCOUNTS, Danger.COUNT),
    _from_unit("delete", "Delete users", _ACCOUNTS, Danger.WORD),
    _from_unit("reset", "Reset and recycle", _ACCOUNTS, Danger.COUNT, params=ParamKind.RESET),
    *_list_actions("skills"),
    *_list_actions("tags"),
    *_list_actions("desks"),
    BulkAction("set-role", "Set role", True, "change roles", ParamKind.ROLE, group="Roles"),
)
BULK_BY_KEY: dict[str, BulkAction] = {a.key: a for a in BULK_ACTIONS}
DELETE_WORD = "DELETE"
ROLES = ("agent", "supervisor", "admin")
