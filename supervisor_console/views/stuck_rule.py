"""View ▸ Stuck dialer rule…: when a dialer counts as stuck, kept in the console's settings.

A call longer than a number of minutes is stuck, and so is a row that shows one of the
chosen statuses without a live call. The panel judges every row again at once.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.api.types import Status
from supervisor_console.panel.filters import STUCK_CANDIDATES, StuckRule

MINUTES_KEY = "panel/stuck_minutes"
STATUSES_KEY = "panel/stuck_statuses"


def load_rule(settings: QSettings) -> StuckRule:
    default = StuckRule()
    try:
        minutes = int(str(settings.value(MINUTES_KEY, "")) or default.limit.total_seconds() // 60)
    except ValueError:
        minutes = int(default.limit.total_seconds() // 60)
    raw = settings.value(STATUSES_KEY)
    statuses = default.statuses
    if raw is not None:
        names = str(raw).split(",") if str(raw) else []
        statuses = frozenset(s for s in STUCK_CANDIDATES if s.value in names)
    return StuckRule(timedelta(minutes=max(1, min(minutes, 480))), statuses)


def save_rule(settings: QSettings, rule: StuckRule) -> None:
    settings.setValue(MINUTES_KEY, int(rule.limit.total_seconds() // 60))
    settings.setValue(
        STATUSES_KEY, ",".join(s.value for s in STUCK_CANDIDATES if s in rule.statuses)
    )


class StuckRuleDialog(QDialog):
    def __init__(self, rule: StuckRule, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stuck_rule")
        self.setWindowTitle("Stuck dialer rule")
        intro = QLabel(
            "A dialer counts as stuck (marked in the panel, and shown by Stuck only) when:",
            self,
            wordWrap=True,
        )
        self.minutes = QSpinBox(self)
        self.minutes.setObjectName("stuck_minutes")
        self.minutes.setRange(1, 480)
        self.minutes.setSuffix(" min")
        self.minutes.setAccessibleName("Call length that counts as stuck, in minutes")
        self.checks: dict[Status, QCheckBox] = {}
        form = QFormLayout()
        form.addRow("A call lasts longer than:", self.minutes)
        for status in STUCK_CANDIDATES:
            check = QCheckBox(f"Shows {status.label} without a live call", self)
            check.setObjectName(f"stuck_{status.value}")
            self.checks[status] = check
            form.addRow("", check)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        defaults = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        defaults.clicked.connect(lambda: self.show_rule(StuckRule()))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.show_rule(rule)
        self.minutes.setFocus()
        self.minutes.selectAll()

    def show_rule(self, rule: StuckRule) -> None:
        self.minutes.setValue(int(rule.limit.total_seconds() // 60))
        for status, check in self.checks.items():
            check.setChecked(status in rule.statuses)

    def rule(self) -> StuckRule:
        statuses = frozenset(s for s, check in self.checks.items() if check.isChecked())
        return StuckRule(timedelta(minutes=self.minutes.value()), statuses)
