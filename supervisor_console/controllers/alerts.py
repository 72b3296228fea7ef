"""Alerts (issue 15, item 3): a row that reaches its alert limit is announced by a desktop
notification, grouped and rate-limited ("3 agents over the Break limit"), never stealing
the keyboard; a click on it opens the console on that agent. View ▸ Alerts… lists them,
to acknowledge (views/alerts_window.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from supervisor_console import icons
from supervisor_console.api.types import UserRow
from supervisor_console.panel.alerts import Alert, summary
from supervisor_console.panel.limits import Judgement

GROUP_MS = 2000  # alerts arriving within this are one notification
MIN_GAP_MS = 10_000  # at most one notification this often; the rest wait and group


class AlertCenter(QObject):
    """Collects alerts from the panel model and announces them."""

    open_user = Signal(int)  # a notification (or the list) asks to show this agent
    changed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.window = parent
        self.alerts: list[Alert] = []
        self._pending: list[Alert] = []
        self._shown: list[Alert] = []
        self._group = QTimer(self, singleShot=True, interval=GROUP_MS)
        self._group.timeout.connect(self._announce)
        self._gap = QTimer(self, singleShot=True, interval=MIN_GAP_MS)
        self._gap.timeout.connect(self._after_gap)
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icons.limit_icon(2), self)
            self.tray.setToolTip("Supervisor Console: alerts")
            self.tray.messageClicked.connect(self._clicked)
            self.tray.show()
        self.last_message = ""  # what was announced last (tests, the UI probe)

    @property
    def unacknowledged(self) -> int:
        return sum(1 for a in self.alerts if not a.acknowledged)

    def add(self, crossed: list[tuple[UserRow, Judgement]]) -> None:
        now = datetime.now(UTC)
        for row, judgement in crossed:
            if judgement.kind is None:
                continue
            alert = Alert(row.id, row.name, judgement.kind, judgement.text(now), now)
            self.alerts.append(alert)
            self._pending.append(alert)
        del self.alerts[:-500]  # a day's worth is plenty
        self.changed.emit()
        if self._pending and not self._group.isActive() and not self._gap.isActive():
            self._group.start()

    def _announce(self) -> None:
        alerts, self._pending = self._pending, []
        if not alerts:
            return
        self._shown = alerts
        self.last_message = summary(alerts)
        if self.tray is not None:
            # A notification never takes the keyboard; the window is not raised.
            self.tray.showMessage(
                "Time limit reached", self.last_message, QSystemTrayIcon.MessageIcon.Warning, 8000
            )
        else:
            QApplication.beep()
        self._gap.start()

    def _after_gap(self) -> None:
        if self._pending:
            self._group.start()

    def _clicked(self) -> None:
        if self._shown:
            self.open_user.emit(self._shown[0].user_id)

    def acknowledge(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            alert.acknowledged = True
        self.changed.emit()
