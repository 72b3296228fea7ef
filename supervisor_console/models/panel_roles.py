"""Answers for the roles other than the row itself: cheap lookups, text formatted on demand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt

from supervisor_console import icons
from supervisor_console.api.types import UserRow
from supervisor_console.panel.columns import NUMERIC, TITLES, Column, cell_text, status_text

_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_NAME = int(Column.NAME)
_STATUS = int(Column.STATUS)
_TIME_IN_STATUS = int(Column.TIME_IN_STATUS)
_NUMERIC = frozenset(int(c) for c in NUMERIC)
# The roles `display` and `other_role` can answer with anything but None.
ANSWERED = frozenset({_DISPLAY, _DECORATION, _TOOLTIP, _BACKGROUND, _FOREGROUND, _ALIGNMENT})

HEADER_TIPS = {
    Column.TIME_IN_STATUS: "Time since the status last changed",
    Column.LIVE_CALL: "Direction (↓ inbound, ↑ outbound), peer number and duration",
    Column.SESSIONS: "Active sessions",
    Column.TWO_FACTOR: "Two-factor authentication",
}


def display(column: int, row: UserRow, now: datetime) -> str:
    return cell_text(column, row, now)


def header_data(column: Column, role: int) -> Any:
    if role == _DISPLAY:
        return TITLES[column]
    if role == _TOOLTIP:
        return HEADER_TIPS.get(column, TITLES[column])
    if role == _ALIGNMENT:
        return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return None


def other_role(
    column: int, row: UserRow, role: int, stuck: str | None, limit: tuple[int, str] = (0, "")
) -> Any:
    """`limit`: the row's level over its time limit (0 none, 1 warn, 2 alert) and why."""
    level, why = limit
    if role == _BACKGROUND:
        if level == 2:
            return icons.limit_brush(2)  # an alert outranks the stuck tint
        if stuck:
            return icons.stuck_brush()
        return icons.limit_brush(1) if level == 1 else None
    if role == _DECORATION:
        if level and column == _TIME_IN_STATUS:
            return icons.limit_icon(level)  # a mark, never colour alone
        return _decoration(column, row, stuck)
    if role == _TOOLTIP and level and column in (_NAME, _STATUS, _TIME_IN_STATUS):
        base = _tooltip(column, row, stuck)
        return f"{base}\n{why}" if base else why
    if role == _ALIGNMENT:
        return _RIGHT if column in _NUMERIC else None
    if role == _FOREGROUND:
        return None if row.active else icons.inactive_brush()
    if role == _TOOLTIP:
        return _tooltip(column, row, stuck)
    return None


def _decoration(column: int, row: UserRow, stuck: str | None) -> Any:
    if column == _STATUS:
        return icons.status_icon(row.status)
    if column == _NAME and stuck:
        return icons.stuck_icon()
    return None


def _tooltip(column: int, row: UserRow, stuck: str | None) -> str | None:
    if column == _NAME:
        lines = [f"{row.name} ({row.username})"]
        if not row.active:
            lines.append("Deactivated")
        if stuck:
            lines.append(f"Stuck dialer: {stuck}")
        return "\n".join(lines)
    if column == _STATUS:
        text = status_text(row)
        return f"{text}\nStuck dialer: {stuck}" if stuck else text
    return None
