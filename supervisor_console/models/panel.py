"""The live panel: every user as a table row, sorted and filtered inside the model.

A ``QSortFilterProxyModel`` over a Python model calls ``data()`` for every comparison and
re-sorts 20k rows in seconds whenever a sort-column value changes (see
``benchmarks/bench_panel.py``). Here the model keeps the shown rows in a list ordered by
``(sort key, id)``; a changed row is found and placed with ``bisect``. Descending order
reads the same list from the end, so the keys never need to be inverted.

Signals per incremental batch: ``beginRemoveRows`` per run of rows that left the view,
one layout change for rows that moved (persistent indexes, hence the selection, follow
them), ``beginInsertRows`` per group of rows that entered, one ``dataChanged`` per
contiguous run of changed rows. A model reset happens only for a full batch (a resync)
or when a filter change would need more signals than a reset costs.

Signals:
    counts_changed(shown, total): after anything that may change either count.
    facets_changed(): the set of known desks, skills, tags or roles grew.
    summary_changed(): `summary` (counts per status, floor and shown) may have changed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from supervisor_console.api.types import ChangeBatch, UserRow
from supervisor_console.models import panel_roles
from supervisor_console.models.layout_change import FollowUsers, LayoutChange
from supervisor_console.models.panel_derived import DerivedStateMixin
from supervisor_console.panel.batch_plan import Key, classify, find, newest
from supervisor_console.panel.columns import SORT_KEYS, TICKING, Column, status_text
from supervisor_console.panel.filters import Facets, PanelFilter, StuckRule
from supervisor_console.panel.limits import Judgement, LimitTracker
from supervisor_console.panel.runs import (
    contiguous_runs,
    display_span,
    insertion_groups,
    landing,
    move_in_place,
    splice,
)
from supervisor_console.panel.stuck import StuckTracker
from supervisor_console.panel.summary import StatusCounts

AnyIndex = QModelIndex | QPersistentModelIndex
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_STATUS = int(Column.STATUS)
_MAX_FILTER_RUNS = 300  # beyond this many remove/insert runs a reset is cheaper
# Moving in place costs ~25 us a row at 50,000 rows (memmoves); rebuilding the lists
# ~10 ms whatever the count (every row's refcount touched twice): rebuild from here on.
_SPLICE_FROM = 300
_MAX_CHANGE_RUNS = 256  # beyond this, one dataChanged spans them (views just repaint)
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


_ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 1
_ANSWERED = panel_roles.ANSWERED | {_ROW_ROLE, _ROW_ROLE + 1, _ROW_ROLE + 2}


class LivePanelModel(DerivedStateMixin, QAbstractTableModel):
    RowRole = _ROW_ROLE
    SortRole = _ROW_ROLE + 1
    StuckRole = _ROW_ROLE + 2

    counts_changed = Signal(int, int)
    facets_changed = Signal()
    # Rows that have just reached their alert limit: list[(UserRow, Judgement)].
    limits_alerted = Signal(list)
    summary_changed = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        stuck_rule: StuckRule = StuckRule(),  # noqa: B008 - frozen
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._now = self._clock()
        self._by_id: dict[int, UserRow] = {}
        self._keys: list[Key] = []  # shown rows, ascending (sort key, id)
        self._rows: list[UserRow] = []  # parallel to _keys
        self._stuck = StuckTracker(stuck_rule)
        self._limits = LimitTracker()
        self._alerted: list[tuple[UserRow, Judgement]] = []  # reached ALERT in this batch
        self._sort_column = Column.NAME
        self._sort_fn = SORT_KEYS[Column.NAME]
        self._descending = False
        self._filter = PanelFilter()
        # Many scattered changes become one spanning dataChanged: a view just repaints.
        # A proxy on top would re-check the whole span, so turn this off under a proxy.
        self.coalesce_changes = True
        self._facets = Facets()
        self.facets = self._facets.values
        self.marks: dict[int, str] = {}  # user id -> note after the status (a pending reset)
        # Summary bar (issue 15): counts per status, kept by the hooks marked "summary".
        self.summary = StatusCounts()

    # ---- Qt model interface -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(Column):
            return panel_roles.header_data(Column(section), role)
        return None

    def data(self, index: AnyIndex, role: int = _DISPLAY) -> Any:
        # A view asks ~7 roles per painted cell; most are answered before any lookup.
        if role not in _ANSWERED or not index.isValid():
            return None
        row = self._rows[self._storage(index.row())]
        column = index.column()
        if role == _DISPLAY:
            text = panel_roles.display(column, row, self._now)
            if self.marks and column == _STATUS and row.id in self.marks:
                return f"{text} · {self.marks[row.id]}"
            return text
        if role == self.RowRole:
            return row
        if role == self.SortRole:
            return SORT_KEYS[Column(column)](row)
        if role == self.StuckRole:
            return self._stuck.get(row.id)
        if role == _TOOLTIP and self.marks and column == _STATUS and row.id in self.marks:
            return f"{status_text(row)} · {self.marks[row.id]}"
        judged = self._limits.judged.get(row.id)
        limit = (int(judged.level), judged.text(self._now)) if judged is not None else (0, "")
        return panel_roles.other_role(column, row, role, self._stuck.get(row.id), limit)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(Column):
            return
        # Inside the layout change: it reads the rows' old places before the order flips.
        with self._layout_change():
            self._sort_column = Column(column)
            self._sort_fn = SORT_KEYS[self._sort_column]
            self._descending = order == Qt.SortOrder.DescendingOrder
            self._set_view(self._rows)

    # ---- public, non-Qt -----------------------------------------------------------------

    @property
    def total_count(self) -> int:
        return len(self._by_id)

    @property
    def shown_count(self) -> int:
        return len(self._rows)

    @property
    def panel_filter(self) -> PanelFilter:
        return self._filter

    @property
    def sort_state(self) -> tuple[Column, Qt.SortOrder]:
        order = Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder
        return self._sort_column, order

    def row_at(self, display_row: int) -> UserRow:
        return self._rows[self._storage(display_row)]

    def user(self, user_id: int) -> UserRow | None:
        return self._by_id.get(user_id)

    def all_rows(self) -> dict[int, UserRow]:
        return dict(self._by_id)

    def shown_rows(self) -> list[UserRow]:
        """The shown rows in display order."""
        return self._rows[::-1] if self._descending else list(self._rows)

    def display_row_of(self, user_id: int) -> int | None:
        row = self._by_id.get(user_id)
        pos = None if row is None else self._position(self._key(row))
        return None if pos is None else self._display(pos)

    def set_mark(self, user_id: int, text: str | None) -> None:
        """Show `text` after the user's status (None removes it); repaints that cell."""
        if text is None:
            self.marks.pop(user_id, None)
        else:
            self.marks[user_id] = text
        shown = self.display_row_of(user_id)
        if shown is not None:
            cell = self.index(shown, Column.STATUS)
            self.dataChanged.emit(cell, cell, [_DISPLAY])

    def stuck_reason(self, user_id: int) -> str | None:
        return self._stuck.get(user_id)

    def apply(self, batch: ChangeBatch) -> None:
        """Take in a feed batch: a full one replaces everything, others apply by version."""
        self._now = self._clock()
        if batch.full:
            self._reset(batch.changed)
            self._alerted.clear()  # a snapshot is no news: only crossings from now on alert
        else:
            self._apply_incremental(batch)
        self.counts_changed.emit(len(self._rows), len(self._by_id))
        self.summary_changed.emit()
        self._flush_alerts()

    def set_filter(self, panel_filter: PanelFilter) -> None:
        if panel_filter == self._filter:
            return
        self._filter = panel_filter
        self._refilter()

    def tick(self) -> None:
        """Once a second: advance the clock, repaint the ticking columns, promote long calls."""
        self._now = self._clock()
        self._promote_long_calls()
        self._escalate()
        last = len(self._rows) - 1
        if last >= 0:
            for column in TICKING:
                self.dataChanged.emit(self.index(0, column), self.index(last, column), [_DISPLAY])

    # ---- positions ----------------------------------------------------------------------

    def _key(self, row: UserRow) -> Key:
        return (self._sort_fn(row), row.id)

    def _position(self, key: Key) -> int | None:
        return find(self._keys, key)

    def _storage(self, display_row: int) -> int:
        return len(self._rows) - 1 - display_row if self._descending else display_row

    _display = _storage  # the mapping is its own inverse

    def _set_view(self, rows: Iterable[UserRow]) -> None:
        rows = list(rows)
        fn = self._sort_fn
        keys = [(fn(row), row.id) for row in rows]
        self._set_sorted(keys, rows)

    def _set_sorted(self, keys: list[Key], rows: list[UserRow]) -> None:
        # Sorting positions with a C-level key is about twice as fast as sorting pairs.
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self._keys = [keys[i] for i in order]
        self._rows = [rows[i] for i in order]

    def _matches(self, row: UserRow) -> bool:
        if self._filter.exceptions_only and row.id not in self._limits.judged:
            return False
        return self._filter.matches(row, row.id in self._stuck)

    # ---- full batches and filter changes ------------------------------------------------

    def _reset(self, rows: list[UserRow]) -> None:
        self.beginResetModel()
        self._by_id = {row.id: row for row in rows}
        self._stuck.rebuild(self._by_id.values(), self._now)
        self._limits.rebuild(self._by_id.values(), self._now, set(self._stuck.reasons))
        self._set_view(row for row in self._by_id.values() if self._matches(row))
        self._recount_summary()
        self._rebuild_facets()
        self.endResetModel()

    def _refilter(self, force: bool = False) -> None:
        wanted = [row for row in self._by_id.values() if self._matches(row)]
        wanted_ids = {row.id for row in wanted}
        leaving = [key for key in self._keys if key[1] not in wanted_ids]
        shown_ids = {key[1] for key in self._keys}
        entering = [row for row in wanted if row.id not in shown_ids]
        runs = len(contiguous_runs(self._position_list(leaving))) + len(entering)
        self._summary_refiltered(force, leaving, entering)
        if force or runs > _MAX_FILTER_RUNS:
            self.beginResetModel()
            self._set_view(wanted)
            self.endResetModel()
        else:
            self._remove_keys(leaving)
            self._insert_rows(entering)
        self.counts_changed.emit(len(self._rows), len(self._by_id))
        self.summary_changed.emit()

    # ---- incremental batches ------------------------------------------------------------

    def _apply_incremental(self, batch: ChangeBatch) -> None:
        latest = newest(batch, self._by_id)
        plan = classify(latest.values(), self._by_id, self._keys, self._sort_fn, self._take)
        for user_id in batch.deleted:
            old = self._by_id.pop(user_id, None)
            self._stuck.forget(user_id)
            self._limits.forget(user_id)
            self.summary.forget(user_id)
            pos = None if old is None else self._position(self._key(old))
            if pos is not None:
                plan.leaving.append(pos)
        # In-place updates first: the positions from the plan hold until rows come or go.
        for pos, row in plan.updated:
            self._rows[pos] = row
        self._changed_positions([pos for pos, _row in plan.updated])
        moves = plan.moves_after_removal()
        self._remove_positions(plan.leaving)
        self._move(moves)
        self._insert_rows(plan.entering)
        self._grow_facets(latest.values())

    def _take(self, row: UserRow, old: UserRow | None) -> bool:
        """Hold the newer row; True when the filter shows it."""
        self._by_id[row.id] = row
        self._stuck.track(row, old, self._now)
        self._judge_limits(row)
        shown = self._matches(row)
        self.summary.note(row, row.id in self._stuck, shown)
        return shown

    def _position_list(self, keys: Iterable[Key]) -> list[int]:
        return [pos for pos in (self._position(key) for key in keys) if pos is not None]

    def _remove_keys(self, keys: list[Key]) -> None:
        self._remove_positions(self._position_list(keys))

    def _remove_positions(self, positions: list[int]) -> None:
        for first, last in reversed(contiguous_runs(positions)):
            top, bottom = display_span(first, last, len(self._rows), self._descending)
            self.beginRemoveRows(QModelIndex(), top, bottom)
            del self._keys[first : last + 1]
            del self._rows[first : last + 1]
            self.endRemoveRows()

    def _insert_rows(self, rows: list[UserRow]) -> None:
        pairs = sorted(((self._key(r), r) for r in rows), key=itemgetter(0))
        points = [bisect_left(self._keys, key) for key, _row in pairs]
        offset = 0
        for point, count in insertion_groups(points):
            start = point + offset
            chunk = pairs[offset : offset + count]
            size = len(self._rows) + count
            top, bottom = display_span(start, start + count - 1, size, self._descending)
            self.beginInsertRows(QModelIndex(), top, bottom)
            self._keys[start:start] = [key for key, _row in chunk]
            self._rows[start:start] = [row for _key, row in chunk]
            self.endInsertRows()
            offset += count

    def _move(self, moves: list[tuple[int, UserRow]]) -> None:
        """Re-place shown rows whose sort key changed (positions as they are now)."""
        if not moves:
            return
        fn = self._sort_fn
        pairs = sorted((((fn(row), row.id), row) for _pos, row in moves), key=itemgetter(0))
        dropped = sorted(pos for pos, _row in moves)
        landed = landing(self._keys, dropped, [key for key, _row in pairs])
        # A layout change rather than moves as data changes: Qt's views re-lay out in a
        # later turn of the event loop, so the repaint does not add to this turn's stall.
        with self._layout_change():
            self._place(dropped, pairs)
        self._changed_positions(landed)

    def _place(self, dropped: list[int], pairs: list[tuple[Key, UserRow]]) -> None:
        if len(pairs) < _SPLICE_FROM:
            move_in_place(self._keys, self._rows, dropped, pairs)
        else:
            self._keys, self._rows = splice(self._keys, self._rows, dropped, pairs)

    def _changed_positions(self, positions: Iterable[int]) -> None:
        self._emit_changed(contiguous_runs(positions))

    def _emit_changed(self, runs: list[tuple[int, int]]) -> None:
        if not runs:
            return
        if self.coalesce_changes and len(runs) > _MAX_CHANGE_RUNS:
            runs = [(runs[0][0], runs[-1][1])]
        last_column = len(Column) - 1
        for first, last in runs:
            top, bottom = display_span(first, last, len(self._rows), self._descending)
            self.dataChanged.emit(self.index(top, 0), self.index(bottom, last_column))

    def _layout_change(self) -> LayoutChange:
        return FollowUsers(self, self)
