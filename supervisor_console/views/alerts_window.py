"""View ▸ Alerts…: the time-limit alerts, newest first; Enter opens the agent, Acknowledge
clears them (the alerts themselves: controllers/alerts.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.panel.alerts import Alert


class AlertsWindow(QWidget):
    """View ▸ Alerts…: newest first; Enter opens the agent, Acknowledge clears them."""

    acknowledge_requested = Signal(list)  # list[Alert]; every alert for "all"
    open_requested = Signal(int)  # a user id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("alerts_window")
        self.setWindowTitle("Alerts — Supervisor Console")
        self.alerts: list[Alert] = []
        self.list = QListWidget(self)
        self.list.setObjectName("alerts_list")
        self.list.itemActivated.connect(self._open)
        self.count = QLabel(self)
        self.ack_button = QPushButton("&Acknowledge selected", self)
        self.ack_all = QPushButton("Acknowledge a&ll", self)
        close = QPushButton("Close", self)
        self.ack_button.clicked.connect(self._ack_selected)
        self.ack_all.clicked.connect(lambda: self.acknowledge_requested.emit(self.alerts))
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        for button in (self.ack_button, self.ack_all, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.resize(640, 360)
        self.show_alerts([])

    def show_alerts(self, alerts: list[Alert]) -> None:
        self.alerts = list(alerts)
        self.list.clear()
        for alert in reversed(self.alerts):
            mark = "✓ " if alert.acknowledged else "● "
            text = f"{mark}{alert.at.astimezone():%H:%M:%S}  {alert.name}: {alert.text}"
            item = QListWidgetItem(text, self.list)
            item.setData(Qt.ItemDataRole.UserRole, alert)
        open_count = sum(1 for a in self.alerts if not a.acknowledged)
        self.count.setText(f"{open_count} not acknowledged" if open_count else "All acknowledged")

    def _selected(self) -> list[Alert]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()]

    def _ack_selected(self) -> None:
        self.acknowledge_requested.emit(self._selected())

    def _open(self, item: QListWidgetItem) -> None:
        alert: Alert = item.data(Qt.ItemDataRole.UserRole)
        self.open_requested.emit(alert.user_id)
