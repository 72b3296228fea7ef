"""The live panel's columns: titles, cell text and sort keys, all plain Python.

Cells are formatted only when the view asks for them (Wireshark's packet list does the
same); sort keys are plain scalars so that they compare fast and also work as a
``SortRole`` for a ``QSortFilterProxyModel``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime

from supervisor_console.api.types import Status, UserRow

_NEG_INF = float("-inf")


class Column(enum.IntEnum):
    NAME = 0
    STATUS = 1
    TIME_IN_STATUS = 2
    LIVE_CALL = 3
    SESSIONS = 4
    EXTENSION = 5
    PHONE = 6
    EMAIL = 7
    ROLE = 8
    DESKS = 9
    SKILLS = 10
    TAGS = 11
    ACTIVE = 12
    TWO_FACTOR = 13
    LAST_CHANGED = 14


TITLES: dict[Column, str] = {
    Column.NAME: "Name",
    Column.STATUS: "Status",
    Column.TIME_IN_STATUS: "In status",
    Column.LIVE_CALL: "Live call",
    Column.SESSIONS: "Sessions",
    Column.EXTENSION: "Ext.",
    Column.PHONE: "Phone number",
    Column.EMAIL: "Email",
    Column.ROLE: "Role",
    Column.DESKS: "Desks",
    Column.SKILLS: "Skills",
    Column.TAGS: "Tags",
    Column.ACTIVE: "Active",
    Column.TWO_FACTOR: "2FA",
    Column.LAST_CHANGED: "Last changed",
}

# Columns whose text depends on the clock: the 1 s tick repaints only these.
TICKING = (Column.TIME_IN_STATUS, Column.LIVE_CALL)
NUMERIC = frozenset({Column.TIME_IN_STATUS, Column.SESSIONS, Column.EXTENSION})
HIDDEN_BY_DEFAULT = frozenset({Column.EMAIL})
DEFAULT_WIDTHS: dict[Column, int] = {
    Column.NAME: 150,
    Column.STATUS: 130,
    Column.TIME_IN_STATUS: 70,
    Column.LIVE_CALL: 160,
    Column.SESSIONS: 62,
    Column.EXTENSION: 50,
    Column.PHONE: 110,
    Column.EMAIL: 190,
    Column.ROLE: 65,
    Column.DESKS: 120,
    Column.SKILLS: 130,
    Column.TAGS: 100,
    Column.ACTIVE: 52,
    Column.TWO_FACTOR: 40,
    Column.LAST_CHANGED: 140,
}

STATUS_RANK: dict[Status, int] = {status: rank for rank, status in enumerate(Status)}
DIRECTION_ARROWS = {"inbound": "↓", "outbound": "↑"}


def format_duration(seconds: float) -> str:
    """Compact clock-style duration: ``4:05``, ``1:04:05``, ``2 d 3 h``."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_when(moment: datetime | None, now: datetime) -> str:
    """Local HH:MM:SS for today, else the date as well."""
    if moment is None:
        return ""
    local = moment.astimezone()
    if local.date() == now.astimezone().date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%Y-%m-%d %H:%M")


def status_text(row: UserRow) -> str:
    if row.status is Status.OTHER and row.status_text:
        return f"Other: {row.status_text}"
    return row.status.label


def live_call_text(row: UserRow, now: datetime) -> str:
    call = row.live_call
    if call is None:
        return ""
    arrow = DIRECTION_ARROWS.get(call.direction, "·")
    duration = format_duration((now - call.started_at).total_seconds())
    return f"{arrow} {call.peer}  {duration}"


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _last_changed(row: UserRow, now: datetime) -> str:
    when = format_when(row.changed_at, now)
    if row.changed_by and when:
        return f"{row.changed_by} · {when}"
    return row.changed_by or when


_TEXT: dict[Column, Callable[[UserRow, datetime], str]] = {
    Column.NAME: lambda r, _n: r.name,
    Column.STATUS: lambda r, _n: status_text(r),
    Column.TIME_IN_STATUS: lambda r, n: format_duration((n - r.status_since).total_seconds()),
    Column.LIVE_CALL: live_call_text,
    Column.SESSIONS: lambda r, _n: str(r.session_count),
    Column.EXTENSION: lambda r, _n: r.extension,
    Column.PHONE: lambda r, _n: r.phone_number or "",
    Column.EMAIL: lambda r, _n: r.email or "",
    Column.ROLE: lambda r, _n: r.role.capitalize(),
    Column.DESKS: lambda r, _n: ", ".join(r.desks),
    Column.SKILLS: lambda r, _n: ", ".join(r.skills),
    Column.TAGS: lambda r, _n: ", ".join(r.tags),
    Column.ACTIVE: lambda r, _n: _yes_no(r.active),
    Column.TWO_FACTOR: lambda r, _n: "On" if r.two_factor else "Off",
    Column.LAST_CHANGED: _last_changed,
}


_TEXT_BY_NUMBER = [_TEXT[column] for column in Column]  # no enum lookup per painted cell


def cell_text(column: int, row: UserRow, now: datetime) -> str:
    return _TEXT_BY_NUMBER[column](row, now)


def _ts(moment: datetime | None) -> float:
    return _NEG_INF if moment is None else moment.timestamp()


SortValue = str | int | float

# Ascending order of every key matches what the column shows (a longer time in status
# sorts after a shorter one, so the key is minus the start time).
SORT_KEYS: dict[Column, Callable[[UserRow], SortValue]] = {
    Column.NAME: lambda r: r.name.casefold(),
    Column.STATUS: lambda r: STATUS_RANK[r.status],
    Column.TIME_IN_STATUS: lambda r: -r.status_since.timestamp(),
    Column.LIVE_CALL: lambda r: _NEG_INF if r.live_call is None else -_ts(r.live_call.started_at),
    Column.SESSIONS: lambda r: r.session_count,
    Column.EXTENSION: lambda r: r.extension.zfill(12),
    Column.PHONE: lambda r: r.phone_number or "",
    Column.EMAIL: lambda r: (r.email or "").casefold(),
    Column.ROLE: lambda r: r.role,
    Column.DESKS: lambda r: ", ".join(r.desks).casefold(),
    Column.SKILLS: lambda r: ", ".join(r.skills).casefold(),
    Column.TAGS: lambda r: ", ".join(r.tags).casefold(),
    Column.ACTIVE: lambda r: int(r.active),
    Column.TWO_FACTOR: lambda r: int(r.two_factor),
    Column.LAST_CHANGED: lambda r: _ts(r.changed_at),
}
