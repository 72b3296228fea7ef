"""The main window: filter bar, stale banner, the live panel, details and status bar.

Signals:
    sign_in_requested(): the user asked to sign in again (e.g. after being signed out).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QVBoxLayout, QWidget

from supervisor_console.api.types import ChangeBatch, ConnectionState, FeedStatus, UserRow
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.views import panel_settings
from supervisor_console.views.connection_status import ConnectionIndicator
from supervisor_console.views.filter_bar import FilterBar
from supervisor_console.views.panel_view import PanelView
from supervisor_console.views.user_detail import DetailSource, UserDetailPane


class MainWindow(QMainWindow):
    sign_in_requested = Signal()

    def __init__(self, model: LivePanelModel, settings: QSettings, title: str = "") -> None:
        super().__init__()
        self.setWindowTitle(f"Supervisor Console — {title}" if title else "Supervisor Console")
        self.model = model
        self.settings = settings
        self.filter_bar = FilterBar(self)
        self.panel = PanelView(model, self)
        self.connection = ConnectionIndicator(self)
        self.detail = UserDetailPane(self)
        self.detail.hide()
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail)
        self._lay_out()
        self._connect()
        self._add_actions()
        self.tick_timer = QTimer(self, interval=1000)
        self.tick_timer.timeout.connect(self._tick)
        self.tick_timer.start()
        self._restore()

    def _lay_out(self) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.connection.banner)
        layout.addWidget(self.panel, 1)
        self.setCentralWidget(central)
        bar = self.statusBar()
        bar.addPermanentWidget(self.connection.age_label)
        bar.addPermanentWidget(self.connection.state_label)
        self.user_label = QLabel(self)
        bar.addWidget(self.user_label)

    def _connect(self) -> None:
        self.filter_bar.filter_changed.connect(self.model.set_filter)
        self.model.counts_changed.connect(self.filter_bar.set_counts)
        self.model.facets_changed.connect(lambda: self.filter_bar.set_facets(self.model.facets))
        self.panel.detail_requested.connect(self.open_detail)

    def _add_actions(self) -> None:
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(self.filter_bar.stuck_action)
        find = QAction("Find…", self, shortcut=QKeySequence(QKeySequence.StandardKey.Find))
        find.triggered.connect(self._focus_search)
        view_menu.addAction(find)
        details = QAction("User details", self, shortcut=QKeySequence(Qt.Key.Key_F3))
        details.triggered.connect(self._open_current_detail)
        view_menu.addAction(details)
        columns = view_menu.addMenu("Columns")
        columns.aboutToShow.connect(lambda: self._fill_columns_menu(columns))
        self.addAction(self.filter_bar.stuck_action)
        session_menu = self.menuBar().addMenu("&Session")
        sign_in = QAction("Sign in again…", self)
        sign_in.triggered.connect(self.sign_in_requested)
        session_menu.addAction(sign_in)
        close = QAction("Close", self, shortcut=QKeySequence(QKeySequence.StandardKey.Close))
        close.triggered.connect(self.close)
        session_menu.addAction(close)

    def _fill_columns_menu(self, menu: QMenu) -> None:
        menu.clear()
        for entry in self.panel.column_menu_entries():
            action = menu.addAction(entry.label)
            action.setCheckable(entry.checked is not None)
            action.setChecked(bool(entry.checked))
            action.triggered.connect(entry.callback)

    # ---- feed and session ---------------------------------------------------------------

    def set_detail_source(self, source: DetailSource | None) -> None:
        self.detail.source = source

    def set_signed_in_as(self, text: str) -> None:
        self.user_label.setText(text)

    def apply_batch(self, batch: ChangeBatch) -> None:
        """The feed's batch callback: update the panel and the data age."""
        self.model.apply(batch)
        self.connection.note_data()
        if self.detail.isVisible() and self.detail.user_id is not None:
            ids = {row.id for row in batch.changed}
            if batch.full or self.detail.user_id in ids:
                row = self.model.user(self.detail.user_id)
                if row is not None:
                    self.detail.update_row(row)

    def set_feed_status(self, status: FeedStatus) -> None:
        self.connection.set_status(status)
        if status.state is ConnectionState.SIGNED_OUT and status.message:
            self.statusBar().showMessage(status.message, 10000)

    def show_message(self, text: str, timeout_ms: int = 0) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    # ---- user actions -------------------------------------------------------------------

    def open_detail(self, row: UserRow) -> None:
        self.detail.show_user(row)

    def _open_current_detail(self) -> None:
        row = self.panel.current_user()
        if row is not None:
            self.open_detail(row)

    def _focus_search(self) -> None:
        self.filter_bar.search.setFocus()
        self.filter_bar.search.selectAll()

    def _tick(self) -> None:
        self.model.tick()
        self.connection.refresh()

    # ---- persistence --------------------------------------------------------------------

    def _restore(self) -> None:
        panel_settings.restore_panel(self.settings, self.panel, self.filter_bar)
        geometry = self.settings.value(panel_settings.GEOMETRY_KEY)
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1400, 800)

    def save_settings(self) -> None:
        panel_settings.save_panel(self.settings, self.panel, self.filter_bar)
        self.settings.setValue(panel_settings.GEOMETRY_KEY, self.saveGeometry())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.tick_timer.stop()
        self.detail.close()
        super().closeEvent(event)
