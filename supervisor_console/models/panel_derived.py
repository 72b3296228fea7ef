"""What the panel model derives from its rows (a mixin of `LivePanelModel`): stuck dialers (the
supervisor's own rule) and the server's time limits (issue 15), both escalated on the 1 s
tick from a deadline heap, never by scanning every row; the "exceptions only" filter, and
the rows that reach their alert limit; the summary bar's counts and the filters' facets
kept in step."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from supervisor_console.api.types import Thresholds, UserRow
from supervisor_console.panel.columns import Column
from supervisor_console.panel.filters import Facets, PanelFilter, StuckRule
from supervisor_console.panel.limits import Judgement, Level, LimitTracker
from supervisor_console.panel.stuck import StuckTracker
from supervisor_console.panel.summary import StatusCounts


class DerivedStateMixin:
    """Needs the model's rows, clock, stuck tracker and row plumbing (declared below)."""

    if TYPE_CHECKING:  # what LivePanelModel provides (declared for the type checker only)
        _limits: LimitTracker
        _alerted: list[tuple[UserRow, Judgement]]
        _by_id: dict[int, UserRow]
        _rows: list[UserRow]
        _now: datetime
        _stuck: StuckTracker
        _filter: PanelFilter
        limits_alerted: Any
        summary: StatusCounts
        _facets: Facets
        facets_changed: Any
        summary_changed: Any
        counts_changed: Any
        dataChanged: Any  # noqa: N815 - Qt's name

        def index(self, row: int, column: int, parent: Any = ...) -> Any: ...
        def _refilter(self, force: bool = False) -> None: ...
        def _position_list(self, keys: Iterable[Any]) -> list[int]: ...
        def _key(self, row: UserRow) -> Any: ...
        def _changed_positions(self, positions: list[int]) -> None: ...
        def _insert_rows(self, rows: list[UserRow]) -> None: ...
        def _matches(self, row: UserRow) -> bool: ...

    def _judge_limits(self, row: UserRow) -> None:
        """A row that changed: judged again; one reaching its alert limit is remembered."""
        before = self._limits.level(row.id)
        after = self._limits.track(row, self._now, row.id in self._stuck)
        if after is Level.ALERT and before is not Level.ALERT:
            self._alerted.append((row, self._limits.get(row.id)))

    @property
    def thresholds(self) -> Thresholds:
        return self._limits.thresholds

    def set_thresholds(self, thresholds: Thresholds) -> None:
        """The server's time limits (new or changed): every row is judged again."""
        if thresholds == self._limits.thresholds:
            return
        changed = bool(self._limits.thresholds.limits)  # not the first limits of a sign-in
        before = {uid for uid, j in self._limits.judged.items() if j.level is Level.ALERT}
        self._limits.thresholds = thresholds
        self._limits.rebuild(self._by_id.values(), self._now, set(self._stuck.reasons))
        if changed:  # rows a lower limit has just put over it are news
            self._alerted = [
                (self._by_id[uid], j)
                for uid, j in self._limits.judged.items()
                if j.level is Level.ALERT and uid not in before and uid in self._by_id
            ]
            self._flush_alerts()
        self.summary_changed.emit()
        if self._filter.exceptions_only:
            self._refilter(force=True)
        elif self._rows:
            last = self.index(len(self._rows) - 1, len(Column) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def limit_judgement(self, user_id: int) -> Judgement:
        return self._limits.get(user_id)

    def limit_counts(self) -> dict[Level, int]:
        return self._limits.counts()

    def _escalate(self) -> None:
        """Rows whose time ran over a limit since the last tick (from the deadline heap)."""
        risen = self._limits.due(self._by_id, self._now, set(self._stuck.reasons))
        if not risen:
            return
        rows = [row for row, _old, _new in risen]
        positions = self._position_list(self._key(row) for row in rows)
        self._changed_positions(positions)
        if self._filter.exceptions_only:
            shown_ids = {self._rows[pos].id for pos in positions}
            entering = [r for r in rows if r.id not in shown_ids and self._matches(r)]
            self._insert_rows(entering)
            for row in entering:  # summary: now shown, under "over limits only"
                self.summary.set_shown(row.id, True)
            self.counts_changed.emit(len(self._rows), len(self._by_id))
            self.summary_changed.emit()
        self.summary_changed.emit()  # the bar counts the rows over a limit
        alerted = [
            (row, self._limits.get(row.id)) for row, _old, new in risen if new is Level.ALERT
        ]
        if alerted:
            self.limits_alerted.emit(alerted)

    def _flush_alerts(self) -> None:
        """Announce the rows that reached their alert limit in this batch."""
        alerted, self._alerted = self._alerted, []
        if alerted:
            self.limits_alerted.emit(alerted)

    # ---- stuck dialers -------------------------------------------------------------------

    @property
    def stuck_rule(self) -> StuckRule:
        return self._stuck.rule

    def set_stuck_rule(self, rule: StuckRule) -> None:
        """A new rule for stuck dialers: every row is judged again (marks, the filter)."""
        if rule == self._stuck.rule:
            return
        self._stuck.rule = rule
        self._stuck.rebuild(self._by_id.values(), self._now)
        self._refilter(force=True)

    def _promote_long_calls(self) -> None:
        promoted = self._stuck.due(self._by_id, self._now)
        if not promoted:
            return
        for row in promoted:  # summary: now stuck (and maybe shown, under "stuck only")
            self.summary.note(row, True, self._matches(row))
        self.summary_changed.emit()
        positions = self._position_list(self._key(row) for row in promoted)
        self._changed_positions(positions)
        shown = [self._rows[pos] for pos in positions]
        if self._filter.stuck_only:
            shown_ids = {row.id for row in shown}
            entering = [r for r in promoted if r.id not in shown_ids and self._matches(r)]
            self._insert_rows(entering)
            self.counts_changed.emit(len(self._rows), len(self._by_id))

    # ---- summary counts (issue 15) ------------------------------------------------------

    def _recount_summary(self) -> None:
        stuck = self._stuck
        self.summary.rebuild(
            (row, row.id in stuck, self._matches(row)) for row in self._by_id.values()
        )

    def _summary_refiltered(
        self, force: bool, leaving: list[tuple[Any, int]], entering: list[UserRow]
    ) -> None:
        if force:  # a new stuck rule: every row's stuck mark may have changed
            self._recount_summary()
            return
        for _key, user_id in leaving:
            self.summary.set_shown(user_id, False)
        for row in entering:
            self.summary.set_shown(row.id, True)

    # ---- facets (what the filters offer) ---------------------------------------------------

    def _rebuild_facets(self) -> None:
        self._facets.clear()
        self._facets.grow(self._by_id.values())
        self.facets_changed.emit()

    def _grow_facets(self, rows: Iterable[UserRow]) -> None:
        if self._facets.grow(rows):
            self.facets_changed.emit()
