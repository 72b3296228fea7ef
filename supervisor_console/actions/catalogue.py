"""Every single-user action, in menu order, and the menu built from them as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from supervisor_console.actions.account import (
    ActivateAction,
    DeactivateAction,
    DeleteAction,
    ResetPasswordAction,
    ResetTwoFactorAction,
)
from supervisor_console.actions.base import MenuAction, UserAction
from supervisor_console.actions.dialer import ResetDialerAction
from supervisor_console.actions.edit import EditUserAction
from supervisor_console.actions.navigation import ViewActivityAction, ViewDetailsAction
from supervisor_console.actions.presence import (
    LogoutAllAction,
    LogoutSessionAction,
    SetStatusAction,
)
from supervisor_console.actions.recycle import ResetRecycleAction
from supervisor_console.api.types import UserRow

CATALOGUE: tuple[MenuAction, ...] = (
    ViewDetailsAction(),
    ViewActivityAction(),
    ResetDialerAction(),
    LogoutAllAction(),
    LogoutSessionAction(),
    SetStatusAction(),
    EditUserAction(),
    DeactivateAction(),
    ActivateAction(),
    ResetPasswordAction(),
    ResetTwoFactorAction(),
    ResetRecycleAction(),
    DeleteAction(),
)
BY_KEY: dict[str, MenuAction] = {action.key: action for action in CATALOGUE}


@dataclass(frozen=True, slots=True)
class MenuItem:
    """One context-menu entry: what a test reads and what the view draws."""

    key: str
    label: str
    shortcut: str
    enabled: bool
    reason: str  # the tooltip: why it is disabled
    separator_before: bool = False


def action(key: str) -> UserAction[Any]:
    """The unit that changes a user, by key (a navigation entry is not one)."""
    unit = BY_KEY[key]
    if not isinstance(unit, UserAction):
        raise KeyError(f"{key} only opens the user's details")
    return unit


def menu_items(row: UserRow, role: str | None) -> list[MenuItem]:
    """The context menu for `row` as the signed-in `role` may use it."""
    items: list[MenuItem] = []
    group = CATALOGUE[0].group
    for unit in CATALOGUE:
        available = unit.availability(row, role)
        items.append(
            MenuItem(
                unit.key, unit.label, unit.shortcut, available.enabled, available.reason,
                separator_before=unit.group != group,
            )
        )  # fmt: skip
        group = unit.group
    return items
