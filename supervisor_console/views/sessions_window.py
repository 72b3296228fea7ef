"""The Sessions window: every active session of every user, and log one out.

"View active sessions for the user or all users and log them from the system." Opened
from Session ▸ Active sessions… (Ctrl+Shift+S). It refreshes itself while it is open and
says when it last did; the server decides who may log out whom (a supervisor acts on
agents), and its refusal is shown as is.

Signals:
    refresh_requested(): read the sessions again.
    logout_requested(dict): the user confirmed logging out this session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.models.sessions import KIND_LABELS, SessionsModel, cell_text, matches

REFRESH_MS = 15_000


class _Filter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.search = ""
        self.kind: str | None = None

    def set_filter(self, search: str, kind: str | None) -> None:
        self.beginFilterChange()
        self.search, self.kind = search, kind
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, SessionsModel)
        session = model.session(row)
        return session is not None and matches(session, self.search, self.kind)


def describe(session: dict[str, Any]) -> str:
    """ "Ada Khan (agent7), Console, supervisor-console/0.1 from 10.0.0.7"."""
    who = f"{session.get('name') or session.get('username')} ({session.get('username')})"
    kind = cell_text(session, "kind")
    client = session.get("client") or ""
    address = session.get("address")
    where = f" from {address}" if address else ""
    return f"{who}, {kind}{', ' + client if client else ''}{where}"


class SessionsWindow(QWidget):
    refresh_requested = Signal()
    logout_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("sessions_window")
        self.setWindowTitle("Active sessions — Supervisor Console")
        self.model = SessionsModel()
        self.proxy = _Filter()
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit(self, placeholderText="Search name, username, client, address…")
        self.search.setObjectName("sessions_search")
        self.search.setClearButtonEnabled(True)
        self.kind = QComboBox(self)
        self.kind.setObjectName("sessions_kind")
        self.kind.addItem("All kinds", None)
        for key, label in KIND_LABELS.items():
            self.kind.addItem(label, key)
        self.table = QTableView(self)
        self.table.setObjectName("sessions_table")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)  # compact, as the panel
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel(self)
        self.status.setObjectName("sessions_status")
        self.logout_button = QPushButton("&Log out session…", self)
        self.refresh_button = QPushButton("&Refresh", self)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        self.logout_button.clicked.connect(self._confirm_logout)
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.search.textChanged.connect(self._filter)
        self.kind.currentIndexChanged.connect(self._filter)
        self.table.selectionModel().currentRowChanged.connect(self._sync)
        self.proxy.rowsInserted.connect(self._sync)
        self.proxy.rowsRemoved.connect(self._sync)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table, self._confirm_logout)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh_requested.emit)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.search.setFocus)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.kind)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        for button in (self.logout_button, self.refresh_button, close):
            bottom.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.setTabOrder(self.search, self.kind)
        self.setTabOrder(self.kind, self.table)
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh_requested)
        self.resize(900, 420)
        self._box: QMessageBox | None = None
        self._sync()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.timer.start()
        self.refresh_requested.emit()

    def hideEvent(self, event: Any) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def set_sessions(self, sessions: list[dict[str, Any]], at: datetime) -> None:
        self.model.apply(sessions)
        count = len(sessions)
        noun = "session" if count == 1 else "sessions"
        self.status.setText(f"{count:,} active {noun}, updated {at:%H:%M:%S}")
        if self.table.currentIndex().row() < 0 and self.proxy.rowCount() > 0:
            self.table.setCurrentIndex(self.proxy.index(0, 0))
        self._sync()

    def show_problem(self, text: str) -> None:
        """A refresh or a logout that failed: said in the status line, the list kept."""
        self.status.setText(text)

    def current_session(self) -> dict[str, Any] | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.session(self.proxy.mapToSource(index).row())

    def _filter(self) -> None:
        self.proxy.set_filter(self.search.text(), self.kind.currentData())
        self._sync()

    def _sync(self) -> None:
        self.logout_button.setEnabled(self.current_session() is not None)

    def _confirm_logout(self) -> None:
        session = self.current_session()
        if session is None:
            return
        box = QMessageBox(self)
        box.setObjectName("confirm_session_logout")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Log out session")
        box.setText(f"Log out this session of {session.get('name') or session.get('username')}?")
        box.setInformativeText(
            f"{describe(session)}.\nA console or app signed in there will ask to sign in again."
        )
        confirm = box.addButton("&Log out", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)

        def chosen() -> None:
            if box.clickedButton() is confirm:
                self.logout_requested.emit(session)

        box.finished.connect(chosen)
        box.finished.connect(box.deleteLater)
        self._box = box
        box.open()
        cancel.setFocus()
