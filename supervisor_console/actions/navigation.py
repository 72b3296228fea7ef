"""Entries that only open something (details, activity): no API call, no confirmation."""

from __future__ import annotations

from supervisor_console.actions.base import NavigationAction


class ViewDetailsAction(NavigationAction):
    key = "details"
    label = "User details"
    shortcut = "Return"
    own_shortcut = False  # the panel opens details on Enter itself


class ViewActivityAction(NavigationAction):
    key = "activity"
    label = "View activity"
    shortcut = "A"
    section = "activity"
