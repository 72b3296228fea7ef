"""Entries that only open something (details, activity): no API call, no confirmation."""

from __future__ import annotations

from supervisor_console.actions.base import DialogKind, UserAction


class ViewDetailsAction(UserAction[None]):
    key = "details"
    label = "User details"
    shortcut = "Return"
    dialog = DialogKind.NONE
    group = "view"


class ViewActivityAction(UserAction[None]):
    key = "activity"
    label = "View activity"
    shortcut = "A"
    dialog = DialogKind.NONE
    group = "view"
