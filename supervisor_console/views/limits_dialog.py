"""View ▸ Time limits…: how long a status, a call or a stuck dialer may last before a row
warns and then alerts. The limits are the server's, the same on every console; admins
change them here (the others read them).

Signals:
    save_requested(dict): admin pressed Save with valid limits (kind -> Limit).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.api.types import Limit, Thresholds
from supervisor_console.panel.limits import DEFAULT_LIMITS, KIND_LABELS, KINDS

MAX_MINUTES = 24 * 60


def _minutes(seconds: int) -> int:
    return max(1, round(seconds / 60))


class LimitsDialog(QDialog):
    save_requested = Signal(object)

    def __init__(
        self, thresholds: Thresholds, editable: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("time_limits")
        self.setWindowTitle("Time limits")
        self.thresholds = thresholds
        self.editable = editable
        intro = QLabel(
            "A row warns (a yellow mark) and then alerts (a red mark and a notification) when "
            "it stays longer than these limits. Every console uses the same limits."
            + ("" if editable else " Only an admin can change them."),
            self,
            wordWrap=True,
        )
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Warn after</b>", self), 0, 1)
        grid.addWidget(QLabel("<b>Alert after</b>", self), 0, 2)
        self.warn: dict[str, QSpinBox] = {}
        self.alert: dict[str, QSpinBox] = {}
        for row, kind in enumerate(KINDS, start=1):
            grid.addWidget(QLabel(f"{KIND_LABELS[kind]}:", self), row, 0)
            for column, boxes in ((1, self.warn), (2, self.alert)):
                box = QSpinBox(self)
                box.setObjectName(f"{'warn' if column == 1 else 'alert'}_{kind}")
                box.setRange(1, MAX_MINUTES)
                box.setSuffix(" min")
                box.setEnabled(editable)
                box.setAccessibleName(
                    f"{KIND_LABELS[kind]}: {'warn' if column == 1 else 'alert'} after, minutes"
                )
                box.valueChanged.connect(self._validate)
                boxes[kind] = box
                grid.addWidget(box, row, column)
        self.error = QLabel(self, wordWrap=True)
        self.error.setStyleSheet("color: #a4262c;")
        self.error.hide()
        buttons = QDialogButtonBox(self)
        self.save_button: QPushButton | None = None
        if editable:
            buttons.setStandardButtons(
                QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
            )
            self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        else:
            buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.show_thresholds(thresholds)
        self.warn[KINDS[0]].setFocus()

    def show_thresholds(self, thresholds: Thresholds, note: str = "") -> None:
        """Show the server's limits (again, after someone else changed them: `note`)."""
        self.thresholds = thresholds
        for kind in KINDS:
            limit = thresholds.limits.get(kind, DEFAULT_LIMITS[kind])
            self.warn[kind].setValue(_minutes(limit.warn_s))
            self.alert[kind].setValue(_minutes(limit.alert_s))
        if note:
            self.show_error(note)
        else:
            self._validate()

    def limits(self) -> dict[str, Limit]:
        return {k: Limit(self.warn[k].value() * 60, self.alert[k].value() * 60) for k in KINDS}

    def problem(self) -> str | None:
        for kind, limit in self.limits().items():
            if limit.alert_s <= limit.warn_s:
                return (
                    f"{KIND_LABELS[kind]}: the alert limit must be longer than the warning limit."
                )
        return None

    def _validate(self) -> None:
        problem = self.problem()
        self.error.setText(problem or "")
        self.error.setVisible(problem is not None)
        if self.save_button is not None:
            self.save_button.setEnabled(problem is None)

    def _save(self) -> None:
        if self.problem() is None and self.editable:
            if self.save_button is not None:
                self.save_button.setEnabled(False)
            self.save_requested.emit(self.limits())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        if self.save_button is not None:
            self.save_button.setEnabled(self.problem() is None)
