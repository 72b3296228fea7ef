"""The summary bar above the panel (issue 15): how many agents in each status.

One box per status (Available, Busy, Unavailable, Break, Do Not Disturb, Meeting, Other,
Offline) and one for the stuck dialers, each with the status's icon (its own shape, never
colour alone), its name and its count; the Other texts follow the Other box ("Training 3 ·
Lunch 2", elided first when space runs out). The counts are those of the rows the filters
show, or of the whole floor (the combo box at the left says which). They come from the
model's `summary` (kept incrementally) on its `summary_changed` signal: nothing here scans
rows. Each box's tooltip splits its count per desk.

Clicking a box, or its key (Alt+1 to Alt+9, in box order; no other shortcut uses Alt with
a digit), sets the panel's status filter to that status, and again clears it; the Stuck box
toggles "Stuck only" (as F4). The keys work while the panel has the focus, and also when the
bar is hidden (View ▸ Summary bar).
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from supervisor_console import icons
from supervisor_console.api.types import Status
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.panel.filters import PanelFilter
from supervisor_console.panel.limits import Level
from supervisor_console.panel.summary import Tally
from supervisor_console.views.filter_bar import FilterBar

VISIBLE_KEY = "summary/visible"
SCOPE_KEY = "summary/scope"
SHOWN, FLOOR = "shown", "floor"
STUCK_LABEL = "Stuck"
# The boxes in order; None is the stuck dialers. Box i has the key Alt+(i+1).
BOXES: tuple[Status | None, ...] = (
    Status.AVAILABLE,
    Status.BUSY,
    Status.UNAVAILABLE,
    Status.BREAK,
    Status.DND,
    Status.MEETING,
    Status.OTHER,
    Status.OFFLINE,
    None,
)
KEYS = tuple(f"Alt+{i}" for i in range(1, len(BOXES) + 1))


def box_label(status: Status | None) -> str:
    return STUCK_LABEL if status is None else status.label


def agents(count: int) -> str:
    return f"{count:,} agent" if count == 1 else f"{count:,} agents"


def key_text(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


class StatusBox(QToolButton):
    """Icon, name and count of one status; checked while the panel shows only it."""

    def __init__(self, status: Status | None, keys: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.status = status
        self.label = box_label(status)
        self.keys = keys
        self.count = -1
        name = "stuck" if status is None else status.value
        self.setObjectName(f"summary_{name}")
        self.setIcon(icons.stuck_icon() if status is None else icons.status_icon(status))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setCheckable(True)
        self.setAutoRaise(True)
        # Clicking a count must not take the keyboard from the panel; the keys reach it.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def show_count(self, count: int, scope: str, per_desk: list[tuple[str, int]]) -> None:
        self.count = count
        self.setText(f"{self.label}\n{count:,}")  # two lines: fits 1024 px at 50,000
        self.setAccessibleName(f"{self.label}: {agents(count)}")
        what = "stuck dialers only" if self.status is None else f"only {self.label}"
        again = "all dialers" if self.status is None else "every status"
        lines = [f"{self.label}: {agents(count)} ({scope})"]
        if per_desk:
            lines.append("Per desk: " + ", ".join(f"{desk} {n:,}" for desk, n in per_desk))
        lines.append(f"Click or {key_text(self.keys)}: show {what}; again: {again}")
        self.setToolTip("\n".join(lines))


class OtherTexts(QLabel):
    """The Other texts with their counts on one line, elided at the right when narrow;
    the tooltip lists them all. A click does what the Other box does."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("summary_other_texts")
        self.full_text = ""
        self.on_click: QToolButton | None = None
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHorizontalStretch(0)
        self.setSizePolicy(policy)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_texts(self, texts: list[tuple[str, int]]) -> None:
        full = " · ".join(f"{text} {count:,}" for text, count in texts)
        self.setVisible(bool(texts))
        if full != self.full_text:
            self.full_text = full
            self.setAccessibleName(f"Other: {full}" if full else "")
            self.setToolTip("\n".join(f"{text}: {agents(count)}" for text, count in texts))
            self.updateGeometry()
            self._elide()

    def is_elided(self) -> bool:
        return self.text() != self.full_text

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        margin = 2 * self.margin() + 4
        return QSize(self.fontMetrics().horizontalAdvance(self.full_text) + margin, hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(
            self.fontMetrics().horizontalAdvance("Wwww…"), super().minimumSizeHint().height()
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width() - 2 * self.margin()
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, width)
        if shown != self.text():
            super().setText(shown)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.on_click is not None:
            self.on_click.click()
        super().mouseReleaseEvent(event)


class SummaryBar(QWidget):
    """The bar; `toggle_action` (View ▸ Summary bar) hides it, `key_actions` go on the
    window so the keys work wherever the focus is in it."""

    def __init__(self, model: LivePanelModel, filter_bar: FilterBar, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("summary_bar")
        self.model = model
        self.filter_bar = filter_bar
        self.scope = QComboBox(self)
        self.scope.setObjectName("summary_scope")
        self.scope.addItem("Shown", SHOWN)  # short: the bar fits 1024 px (tooltip says more)
        self.scope.addItem("Floor", FLOOR)
        self.scope.setAccessibleName("Count the agents")
        self.scope.setToolTip(
            "Count the agents the filters show (Shown), or the whole floor (Floor)"
        )
        self.scope.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.scope.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.boxes = {
            status: StatusBox(status, keys, self) for status, keys in zip(BOXES, KEYS, strict=True)
        }
        self.other_texts = OtherTexts(self)
        # Rows over a time limit (the whole floor), a click or F6 shows only them.
        self.over = QToolButton(self)
        self.over.setObjectName("summary_over_limits")
        self.over.setCheckable(True)
        self.over.setIcon(icons.limit_icon(2))
        self.over.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.over.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.over.clicked.connect(lambda _c=False: filter_bar.exceptions_action.trigger())
        self.other_texts.on_click = self.boxes[Status.OTHER]
        self.key_actions = [self._key_action(box) for box in self.boxes.values()]
        self.toggle_action = QAction("Summary &bar", self)
        self.toggle_action.setCheckable(True)
        self.toggle_action.setChecked(True)
        self.toggle_action.toggled.connect(self.setVisible)
        self._lay_out()
        for box in self.boxes.values():
            box.clicked.connect(lambda _checked=False, b=box: self._toggle(b.status))
        self.scope.currentIndexChanged.connect(lambda _index: self.refresh(force=True))
        model.summary_changed.connect(self.refresh)
        filter_bar.filter_changed.connect(self._show_filter)
        self.refresh(force=True)
        self._show_filter(model.panel_filter)

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 2)
        layout.setSpacing(2)
        layout.addWidget(self.scope)
        layout.addSpacing(4)
        for status, box in self.boxes.items():
            layout.addWidget(box)
            if status is Status.OTHER:
                layout.addWidget(self.other_texts)
        layout.addWidget(self.over)
        layout.addStretch(1)

    def _key_action(self, box: StatusBox) -> QAction:
        action = QAction(f"Summary: {box.label}", self)
        action.setShortcut(QKeySequence(box.keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(box.click)
        return action

    def add_to(self, window: QWidget, view_menu: QMenu) -> None:
        """The View menu's toggle, and the keys on the window (they work while hidden)."""
        view_menu.addAction(self.toggle_action)
        window.addActions(self.key_actions)

    # ---- counts -------------------------------------------------------------------------

    @property
    def whole_floor(self) -> bool:
        return bool(self.scope.currentData() == FLOOR)

    def tally(self) -> Tally:
        return self.model.summary.tally(self.whole_floor)

    def refresh(self, force: bool = False) -> None:
        tally = self.tally()
        scope = "whole floor" if self.whole_floor else "shown by the filters"
        for status, box in self.boxes.items():
            count = tally.stuck if status is None else tally.count(status)
            if force or count != box.count:
                box.show_count(count, scope, tally.by_desk(status))
        self.other_texts.set_texts(tally.other_texts())
        counts = self.model.limit_counts()
        warn, alert = counts[Level.WARN], counts[Level.ALERT]
        self.over.setText(f"Over\n{warn + alert:,}")
        self.over.setAccessibleName(f"Over a time limit: {warn + alert} agents ({alert} alerting)")
        self.over.setToolTip(
            f"{alert:,} over their alert limit, {warn:,} over their warning limit (whole "
            "floor). Click or F6: show only them."
        )

    def counts(self) -> dict[str, int]:
        """What the boxes show, by label (the UI probe's "summary")."""
        return {box.label: box.count for box in self.boxes.values()}

    # ---- filtering ----------------------------------------------------------------------

    def _toggle(self, status: Status | None) -> None:
        if status is None:
            self.filter_bar.stuck_action.trigger()
            return
        current = self.filter_bar.current_filter()
        only = frozenset({status})
        statuses = frozenset() if current.statuses == only else only
        self.filter_bar.set_filter(dataclasses.replace(current, statuses=statuses))

    def _show_filter(self, panel_filter: PanelFilter) -> None:
        for status, box in self.boxes.items():
            if status is None:
                box.setChecked(panel_filter.stuck_only)
            else:
                box.setChecked(panel_filter.statuses == {status})
        self.over.setChecked(panel_filter.exceptions_only)

    # ---- settings -----------------------------------------------------------------------

    def restore(self, settings: QSettings) -> None:
        visible = str(settings.value(VISIBLE_KEY, "yes")) not in ("no", "false", "0")
        self.toggle_action.setChecked(visible)
        self.setVisible(visible)
        index = self.scope.findData(str(settings.value(SCOPE_KEY, SHOWN)))
        self.scope.setCurrentIndex(max(index, 0))

    def save(self, settings: QSettings) -> None:
        settings.setValue(VISIBLE_KEY, "yes" if self.toggle_action.isChecked() else "no")
        settings.setValue(SCOPE_KEY, self.scope.currentData())
