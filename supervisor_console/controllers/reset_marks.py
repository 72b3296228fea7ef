"""Puts the pending-reset watch on the panel: the row says "reset pending…" after a
confirmed dialer reset, and says so when it has not turned Available within the limit.

Signals:
    changed(int): the watch state of that user id changed (the detail pane re-reads it).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from supervisor_console.actions.execute import Outcome, OutcomeKind
from supervisor_console.actions.reset_watch import ResetWatch, WatchState, mark_text
from supervisor_console.api.types import UserRow
from supervisor_console.models.panel import LivePanelModel

# The reset may still have been applied (or is being retried): keep watching the row.
_MAYBE_APPLIED = frozenset({OutcomeKind.DONE, OutcomeKind.UNCONFIRMED})


class ResetMarks(QObject):
    changed = Signal(int)

    def __init__(self, model: LivePanelModel, limit: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.watch = ResetWatch(limit)
        self._deadline = QTimer(self, singleShot=True)
        self._deadline.timeout.connect(self.check)
        # The model's signals arrive mid-batch: look at the rows once the batch is done.
        self._refresh = QTimer(self, singleShot=True, interval=0)
        self._refresh.timeout.connect(self.refresh)
        for signal in (model.dataChanged, model.modelReset, model.rowsInserted):
            signal.connect(self._schedule)

    @property
    def limit(self) -> float:
        return self.watch.limit

    def state(self, user_id: int) -> WatchState | None:
        return self.watch.state(user_id)

    def start(self, row: UserRow) -> None:
        self.watch.start(row.id)
        self._mark(row.id)
        self._arm()

    def settle(self, user_id: int, outcome: Outcome) -> None:
        """After the request: nothing was done on a refusal, so nothing is pending."""
        if outcome.kind not in _MAYBE_APPLIED:
            self.watch.forget(user_id)
            self._mark(user_id)
        self.refresh()

    def refresh(self) -> None:
        ids = self.watch.watched()
        if not ids:
            return
        rows = [row for row in (self.model.user(uid) for uid in ids) if row is not None]
        for uid in self.watch.observe(rows):
            self._mark(uid)

    def stop(self) -> None:
        self._deadline.stop()
        self._refresh.stop()

    def _schedule(self, *_args: object) -> None:
        if self.watch.watched() and not self._refresh.isActive():
            self._refresh.start()

    def check(self) -> None:
        """Mark the rows whose limit has passed (the deadline timer calls this)."""
        for uid in self.watch.check():
            self._mark(uid)
        self._arm()

    def _arm(self) -> None:
        due = self.watch.next_deadline_in()
        if due is not None:
            self._deadline.start(int(due * 1000) + 1)

    def _mark(self, user_id: int) -> None:
        state = self.watch.state(user_id)
        self.model.set_mark(user_id, None if state is None else mark_text(state, self.limit))
        self.changed.emit(user_id)
