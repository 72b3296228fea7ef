"""Whom a bulk job covers (selected users, users matching the filters, all users) and the
request body the backend takes for a preview or a job.

The panel's filter is sent as the server's filter so the server resolves it. The one thing
the server cannot express is the console's "stuck" (it also counts calls longer than the
limit): such a scope is sent as the ids of the rows the panel shows.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from supervisor_console.api.types import UserRow
from supervisor_console.bulk.catalogue import BulkAction
from supervisor_console.panel.filters import PanelFilter


class ScopeKind(enum.Enum):
    SELECTED = "selected"
    FILTER = "filter"
    ALL = "all"


SCOPE_LABELS = {
    ScopeKind.SELECTED: "Selected users",
    ScopeKind.FILTER: "Users matching the current filters",
    ScopeKind.ALL: "All users",
}


def server_filter(panel_filter: PanelFilter) -> dict[str, Any] | None:
    """The panel's filter as the backend's filter object; None when it cannot say it."""
    if panel_filter.stuck_only:
        return None
    found: dict[str, Any] = {
        "search": panel_filter.search or None,
        "statuses": sorted(s.value for s in panel_filter.statuses) or None,
        "desk": panel_filter.desk or None,
        "role": panel_filter.role or None,
        "skill": panel_filter.skill or None,
        "tag": panel_filter.tag or None,
        "active": panel_filter.active,
    }
    return {key: value for key, value in found.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Scope:
    """A scope as chosen in the dialog, with the rows the console holds for it now."""

    kind: ScopeKind
    rows: tuple[UserRow, ...]  # selected / shown / all rows, as the supervisor sees them
    panel_filter: PanelFilter = field(default_factory=PanelFilter)

    @property
    def count(self) -> int:
        return len(self.rows)

    def to_json(self) -> dict[str, Any]:
        if self.kind is ScopeKind.ALL:
            return {"kind": "all"}
        if self.kind is ScopeKind.FILTER:
            wanted = server_filter(self.panel_filter)
            if wanted is not None:
                return {"kind": "filter", "filter": wanted}
        return {"kind": "ids", "ids": [row.id for row in self.rows]}

    def versions(self) -> dict[str, int]:
        """user id -> the version the supervisor sees (the job skips rows changed since)."""
        return {str(row.id): row.version for row in self.rows}


def make_scope(
    kind: ScopeKind,
    selected: Iterable[UserRow],
    shown: Iterable[UserRow],
    every: Mapping[int, UserRow],
    panel_filter: PanelFilter,
) -> Scope:
    rows = {
        ScopeKind.SELECTED: selected,
        ScopeKind.FILTER: shown,
        ScopeKind.ALL: every.values(),
    }[kind]
    return Scope(kind, tuple(rows), panel_filter)


@dataclass(frozen=True, slots=True)
class BulkDraft:
    """What the dialog is set up to do (the scope's rows are taken by the controller)."""

    action: BulkAction
    scope: ScopeKind
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScopeCounts:
    selected: int
    matching: int
    total: int
    hidden_selected: int = 0


@dataclass(frozen=True, slots=True)
class BulkRequest:
    """One bulk job as the backend takes it: preview it, then submit the same request."""

    action: str
    scope: Scope
    params: dict[str, Any] = field(default_factory=dict)

    def body(self, versions: Mapping[str, int] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "action": self.action,
            "scope": self.scope.to_json(),
            "params": dict(self.params),
        }
        if versions is not None:
            body["expected_versions"] = dict(versions)
        return body
