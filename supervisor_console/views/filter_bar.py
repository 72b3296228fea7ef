"""The filter bar above the panel, and the count of shown users.

Signals:
    filter_changed(PanelFilter): whenever any filter changes (search is debounced).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from supervisor_console import icons
from supervisor_console.api.types import Status
from supervisor_console.panel.filters import PanelFilter

STUCK_SHORTCUT = QKeySequence(Qt.Key.Key_F4)
EXCEPTIONS_SHORTCUT = QKeySequence(Qt.Key.Key_F6)
_ANY = ""
_BUSY_OR_UNAVAILABLE = "busy+unavailable"


class FilterBar(QWidget):
    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search name, email, extension, number  (Ctrl+F)")
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.status = self._combo("Any status", self._status_items())
        self.desk = self._combo("Any desk", [])
        self.role = self._combo("Any role", [])
        self.skill = self._combo("Any skill", [])
        self.tag = self._combo("Any tag", [])
        self.active = self._combo("Active or not", [("Active", "yes"), ("Deactivated", "no")])
        self.stuck_action = self._make_stuck_action()
        stuck_button = QToolButton(self)
        stuck_button.setDefaultAction(self.stuck_action)
        stuck_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.exceptions_action = self._make_exceptions_action()
        self.exceptions_button = QToolButton(self)
        self.exceptions_button.setDefaultAction(self.exceptions_action)
        self.exceptions_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.count_label = QLabel("0 of 0 users", self)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._debounce = QTimer(self, singleShot=True, interval=200)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(self._debounce.start)
        self._lay_out(stuck_button)

    def _lay_out(self, stuck_button: QToolButton) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(6)
        layout.addWidget(self.search, 3)
        for combo in (self.status, self.desk, self.role, self.skill, self.tag, self.active):
            layout.addWidget(combo)
            combo.currentIndexChanged.connect(self._emit)
        layout.addWidget(stuck_button)
        layout.addWidget(self.exceptions_button)
        layout.addStretch(1)
        layout.addWidget(self.count_label)

    def _combo(self, any_text: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox(self)
        combo.addItem(any_text, _ANY)
        for text, value in items:
            combo.addItem(text, value)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return combo

    @staticmethod
    def _status_items() -> list[tuple[str, str]]:
        items = [("Busy or Unavailable", _BUSY_OR_UNAVAILABLE)]
        return items + [(status.label, status.value) for status in Status]

    def _make_stuck_action(self) -> QAction:
        action = QAction(icons.stuck_icon(), "Stuck only", self)
        action.setCheckable(True)
        action.setShortcut(STUCK_SHORTCUT)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        text = STUCK_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText)
        action.setText(f"Stuck only ({text})")
        action.setToolTip(f"Show only stuck dialers ({text})")
        action.toggled.connect(self._emit)
        return action

    def _make_exceptions_action(self) -> QAction:
        action = QAction(icons.limit_icon(2), "Over limits", self)
        action.setCheckable(True)
        action.setShortcut(EXCEPTIONS_SHORTCUT)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        text = EXCEPTIONS_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText)
        action.setText(f"Over limits ({text})")
        action.setToolTip(f"Show only users over a time limit: View ▸ Time limits… ({text})")
        action.toggled.connect(self._emit)
        return action

    def set_facets(self, facets: dict[str, set[str]]) -> None:
        """Offer the desks, roles, skills and tags that exist, keeping the current choice."""
        pairs = ((self.desk, "desks"), (self.role, "roles"), (self.skill, "skills"))
        for combo, name in (*pairs, (self.tag, "tags")):
            _refill(combo, sorted(facets.get(name, ())))

    def set_counts(self, shown: int, total: int) -> None:
        self.count_label.setText(f"{shown:,} of {total:,} users")

    def current_filter(self) -> PanelFilter:
        status = str(self.status.currentData() or "")
        if status == _BUSY_OR_UNAVAILABLE:
            statuses = frozenset({Status.BUSY, Status.UNAVAILABLE})
        else:
            statuses = frozenset({Status(status)}) if status else frozenset()
        active = {"yes": True, "no": False}.get(str(self.active.currentData() or ""))
        return PanelFilter(
            search=self.search.text().strip(),
            statuses=statuses,
            desk=str(self.desk.currentData() or ""),
            role=str(self.role.currentData() or ""),
            skill=str(self.skill.currentData() or ""),
            tag=str(self.tag.currentData() or ""),
            active=active,
            stuck_only=self.stuck_action.isChecked(),
            exceptions_only=self.exceptions_action.isChecked(),
        )

    def set_filter(self, panel_filter: PanelFilter) -> None:
        widgets = (self.search, self.status, self.desk, self.role, self.skill, self.tag)
        for widget in (*widgets, self.active, self.stuck_action, self.exceptions_action):
            widget.blockSignals(True)
        try:
            self.search.setText(panel_filter.search)
            _select(self.status, _status_value(panel_filter.statuses))
            for combo, value in ((self.desk, panel_filter.desk), (self.role, panel_filter.role)):
                _select(combo, value, add=True)
            _select(self.skill, panel_filter.skill, add=True)
            _select(self.tag, panel_filter.tag, add=True)
            active = panel_filter.active
            _select(self.active, "" if active is None else ("yes" if active else "no"))
            self.stuck_action.setChecked(panel_filter.stuck_only)
            self.exceptions_action.setChecked(panel_filter.exceptions_only)
        finally:
            for widget in (*widgets, self.active, self.stuck_action, self.exceptions_action):
                widget.blockSignals(False)
        self._emit()

    def _emit(self) -> None:
        self._debounce.stop()
        self.filter_changed.emit(self.current_filter())


def _status_value(statuses: frozenset[Status]) -> str:
    if statuses == {Status.BUSY, Status.UNAVAILABLE}:
        return _BUSY_OR_UNAVAILABLE
    return next(iter(statuses)).value if len(statuses) == 1 else ""


def _select(combo: QComboBox, value: str, add: bool = False) -> None:
    index = combo.findData(value)
    if index < 0 and add and value:
        combo.addItem(value, value)
        index = combo.count() - 1
    combo.setCurrentIndex(max(index, 0))


def _refill(combo: QComboBox, values: list[str]) -> None:
    current = str(combo.currentData() or "")
    combo.blockSignals(True)
    try:
        while combo.count() > 1:
            combo.removeItem(1)
        for value in values:
            combo.addItem(value.capitalize() if combo.itemText(0) == "Any role" else value, value)
        _select(combo, current, add=True)
    finally:
        combo.blockSignals(False)
