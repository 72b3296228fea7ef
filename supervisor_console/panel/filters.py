"""What the supervisor filters the panel by, and when a dialer counts as stuck. No Qt."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from supervisor_console.api.types import Status, UserRow

DEFAULT_STUCK_LIMIT = timedelta(minutes=30)
# The statuses a stuck dialer shows: the dialer still says busy, or never came back.
STUCK_CANDIDATES = (Status.BUSY, Status.UNAVAILABLE)


@dataclass(frozen=True, slots=True)
class StuckRule:
    """When a dialer counts as stuck: a call longer than `limit`, or one of `statuses`
    without a live call (View ▸ Stuck dialer rule…; kept in the console's settings)."""

    limit: timedelta = DEFAULT_STUCK_LIMIT
    statuses: frozenset[Status] = frozenset(STUCK_CANDIDATES)

    def describe(self) -> str:
        minutes = int(self.limit.total_seconds() // 60)
        shown = " or ".join(s.label for s in STUCK_CANDIDATES if s in self.statuses)
        without = f"; {shown} without a live call" if shown else ""
        return f"a call longer than {minutes} min{without}"


def search_matches(search: str, fields: Iterable[str | None]) -> bool:
    """The search, word for word the server's for a filter-scoped bulk job (docs/rules.md,
    "Search"): every word of `search` is a case-folded substring of one of the fields."""
    values = [value.casefold() for value in fields if value]
    return all(any(word in value for value in values) for word in search.casefold().split())


def stuck_reason(row: UserRow, now: datetime, rule: StuckRule) -> str | None:
    """Why the row's dialer looks stuck, or None when it does not."""
    call = row.live_call
    if call is not None:
        if now - call.started_at > rule.limit:
            minutes = int(rule.limit.total_seconds() // 60)
            return f"Call has lasted longer than {minutes} min"
        return None
    if row.status in rule.statuses:
        return f"Shows {row.status.label} but has no live call"
    return None


def stuck_deadline(row: UserRow, rule: StuckRule) -> datetime | None:
    """When a row that is not stuck yet turns stuck by time alone (a long call)."""
    return None if row.live_call is None else row.live_call.started_at + rule.limit


@dataclass(frozen=True, slots=True)
class PanelFilter:
    """Empty values mean "any"."""

    search: str = ""
    statuses: frozenset[Status] = field(default_factory=frozenset)
    desk: str = ""
    role: str = ""
    skill: str = ""
    tag: str = ""
    active: bool | None = None
    stuck_only: bool = False
    exceptions_only: bool = False  # rows over a time limit (the model checks the level)

    @property
    def is_empty(self) -> bool:
        return self == PanelFilter()

    def matches(self, row: UserRow, stuck: bool) -> bool:
        if self.stuck_only and not stuck:
            return False
        if self.statuses and row.status not in self.statuses:
            return False
        if self.active is not None and row.active != self.active:
            return False
        if self.role and row.role != self.role:
            return False
        if self.desk and self.desk not in row.desks:
            return False
        if self.skill and self.skill not in row.skills:
            return False
        if self.tag and self.tag not in row.tags:
            return False
        return not self.search or self._search_matches(row)

    def _search_matches(self, row: UserRow) -> bool:
        fields = (row.name, row.username, row.email, row.extension, row.phone_number)
        return search_matches(self.search, fields)

    def to_dict(self) -> dict[str, Any]:
        """A QSettings-friendly form (plain strings and lists)."""
        return {
            "search": self.search,
            "statuses": sorted(s.value for s in self.statuses),
            "desk": self.desk,
            "role": self.role,
            "skill": self.skill,
            "tag": self.tag,
            "active": "" if self.active is None else ("yes" if self.active else "no"),
            "stuck_only": "yes" if self.stuck_only else "no",
            "exceptions_only": "yes" if self.exceptions_only else "no",
        }

    @classmethod
    def from_dict(cls, data: Any) -> PanelFilter:
        """Tolerant: anything unreadable falls back to "any"."""
        if not isinstance(data, dict):
            return cls()
        statuses = data.get("statuses") or []
        if isinstance(statuses, str):
            statuses = [statuses]
        active = {"yes": True, "no": False}.get(str(data.get("active", "")))
        return cls(
            search=str(data.get("search") or ""),
            statuses=frozenset(Status(s) for s in statuses if s in Status._value2member_map_),
            desk=str(data.get("desk") or ""),
            role=str(data.get("role") or ""),
            skill=str(data.get("skill") or ""),
            tag=str(data.get("tag") or ""),
            active=active,
            stuck_only=str(data.get("stuck_only")) in ("yes", "true", "True", "1"),
            exceptions_only=str(data.get("exceptions_only")) in ("yes", "true", "True", "1"),
        )


class Facets:
    """The desks, skills, tags and roles that exist, for the filter combo boxes."""

    NAMES = ("desks", "skills", "tags", "roles")

    def __init__(self) -> None:
        self.values: dict[str, set[str]] = {name: set() for name in self.NAMES}

    def clear(self) -> None:
        for values in self.values.values():
            values.clear()

    def grow(self, rows: Iterable[UserRow]) -> bool:
        """Add what `rows` use; True when anything new appeared."""
        before = sum(len(values) for values in self.values.values())
        desks, skills, tags, roles = (self.values[name] for name in self.NAMES)
        for row in rows:
            desks.update(row.desks)
            skills.update(row.skills)
            tags.update(row.tags)
            roles.add(row.role)
        return sum(len(values) for values in self.values.values()) != before
