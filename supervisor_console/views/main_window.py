"""The main window: filter bar, stale banner, the live panel, details and status bar.

The window exists for the whole run, signed in or not: the console ends when this window
closes (or Session > Quit), never because a dialog closed.

Signals:
    sign_in_requested(): Session > Sign in… (e.g. after being signed out).
    sign_out_requested(): Session > Sign out.
    switch_server_requested(): Session > Switch server….
    closed(): the window closed for good (a close refused by `close_guard` emits nothing).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QMenu, QVBoxLayout, QWidget

from supervisor_console.api.types import ChangeBatch, ConnectionState, FeedStatus, UserRow
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.views import panel_settings
from supervisor_console.views.connection_status import ConnectionIndicator
from supervisor_console.views.filter_bar import FilterBar
from supervisor_console.views.panel_view import PanelView
from supervisor_console.views.stuck_rule import StuckRuleDialog, load_rule, save_rule
from supervisor_console.views.summary_bar import SummaryBar
from supervisor_console.views.user_detail import DetailSource, UserDetailPane

NOT_SIGNED_IN = "not signed in"


def window_title(server: str | None) -> str:
    return f"Supervisor Console — {server or NOT_SIGNED_IN}"


class MainWindow(QMainWindow):
    sign_in_requested = Signal()
    sign_out_requested = Signal()
    switch_server_requested = Signal()
    change_password_requested = Signal()
    two_factor_requested = Signal()
    sessions_requested = Signal()
    time_limits_requested = Signal()
    alerts_requested = Signal()
    closed = Signal()

    def __init__(self, model: LivePanelModel, settings: QSettings, title: str = "") -> None:
        super().__init__()
        self.setWindowTitle(window_title(title))
        # Asked before the window closes; False keeps it open (the guard says why).
        self.close_guard: Callable[[], bool] | None = None
        self.model = model
        self.settings = settings
        self.filter_bar = FilterBar(self)
        self.summary_bar = SummaryBar(model, self.filter_bar, self)  # issue 15
        self.panel = PanelView(model, self)
        self.connection = ConnectionIndicator(self)
        self.detail = UserDetailPane(self)
        self.detail.hide()
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail)
        self._lay_out()
        self._connect()
        self._add_actions()
        self.stuck_rule_dialog: StuckRuleDialog | None = None
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
        layout.addWidget(self.summary_bar)
        layout.addWidget(self.connection.banner)
        layout.addWidget(self.panel, 1)
        self.setCentralWidget(central)
        bar = self.statusBar()
        bar.addPermanentWidget(self.connection.age_label)
        bar.addPermanentWidget(self.connection.state_label)
        bar.addPermanentWidget(self.connection.retry_button)
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
        view_menu.addAction(self.filter_bar.exceptions_action)
        self.addAction(self.filter_bar.exceptions_action)
        find = QAction("Find…", self, shortcut=QKeySequence(QKeySequence.StandardKey.Find))
        find.triggered.connect(self._focus_search)
        view_menu.addAction(find)
        details = QAction("User details", self, shortcut=QKeySequence(Qt.Key.Key_F3))
        details.triggered.connect(self._open_current_detail)
        view_menu.addAction(details)
        limits = QAction("&Time limits…", self)
        limits.triggered.connect(self.time_limits_requested)
        view_menu.addAction(limits)
        alerts = QAction("&Alerts…", self)
        alerts.triggered.connect(self.alerts_requested)
        view_menu.addAction(alerts)
        stuck_rule = QAction("Stuck dialer &rule…", self)
        stuck_rule.triggered.connect(self.edit_stuck_rule)
        view_menu.addAction(stuck_rule)
        self.summary_bar.add_to(self, view_menu)  # View ▸ Summary bar; Alt+1..9
        columns = view_menu.addMenu("Columns")
        columns.aboutToShow.connect(lambda: self._fill_columns_menu(columns))
        self.addAction(self.filter_bar.stuck_action)
        session_menu = self.menuBar().addMenu("&Session")
        self.sign_in_action = QAction("&Sign in…", self)
        self.sign_in_action.triggered.connect(self.sign_in_requested)
        self.sign_out_action = QAction("Sign &out", self)
        self.sign_out_action.triggered.connect(self.sign_out_requested)
        self.switch_action = QAction("S&witch server…", self)
        self.switch_action.triggered.connect(self.switch_server_requested)
        quit_action = QAction("&Quit", self, shortcut=QKeySequence("Ctrl+Q"))
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        retry = QAction("&Retry connection now", self, shortcut=QKeySequence(Qt.Key.Key_F5))
        retry.triggered.connect(self.connection.retry_button.click)
        for action in (self.sign_in_action, self.sign_out_action, self.switch_action, retry):
            session_menu.addAction(action)
        self.addAction(retry)
        session_menu.addSeparator()
        self.change_password_action = QAction("Change &password…", self)
        self.change_password_action.triggered.connect(self.change_password_requested)
        self.two_factor_action = QAction("&Two-factor authentication…", self)
        self.two_factor_action.triggered.connect(self.two_factor_requested)
        self.sessions_action = QAction(
            "&Active sessions…", self, shortcut=QKeySequence("Ctrl+Shift+S")
        )
        self.sessions_action.triggered.connect(self.sessions_requested)
        for action in (self.sessions_action, self.change_password_action, self.two_factor_action):
            session_menu.addAction(action)
        self.addAction(self.sessions_action)
        session_menu.addSeparator()
        session_menu.addAction(quit_action)
        self.addAction(quit_action)
        self.set_server(None)

    def _fill_columns_menu(self, menu: QMenu) -> None:
        menu.clear()
        for entry in self.panel.column_menu_entries():
            action = menu.addAction(entry.label)
            action.setCheckable(entry.checked is not None)
            action.setChecked(bool(entry.checked))
            action.triggered.connect(entry.callback)

    # ---- feed and session ---------------------------------------------------------------

    def set_server(self, server: str | None) -> None:
        """The server in use (None: signed out): the title names it, the menu follows."""
        self.setWindowTitle(window_title(server))
        for action in (
            self.sign_out_action,
            self.change_password_action,
            self.two_factor_action,
            self.sessions_action,
        ):
            action.setEnabled(server is not None)
        if server is None:
            self.user_label.setText("Not signed in: Session ▸ Sign in…")

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

    def apply_rows(self, rows: list[UserRow], deleted: list[int]) -> None:
        """Rows an action's answer carried (applied by version, like the feed's)."""
        self.apply_batch(ChangeBatch(rows, deleted, cursor=0))
        detail = self.detail
        if detail.user_id in deleted:
            detail.hide()
        elif detail.isVisible() and any(r.id == detail.user_id for r in rows):
            detail.show_user(next(r for r in rows if r.id == detail.user_id))  # reload lists

    def ask_sign_in(self) -> None:
        self.sign_in_requested.emit()

    # ---- user actions -------------------------------------------------------------------

    def open_detail(self, row: UserRow, section: str | None = None) -> None:
        """The detail pane for `row`, at one of its lists (e.g. "activity") if given."""
        self.detail.show_user(row)
        if section is not None:
            self.detail.show_list(section)

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

    def edit_stuck_rule(self) -> StuckRuleDialog:
        """View ▸ Stuck dialer rule…: applied to every row at once, and kept."""
        dialog = StuckRuleDialog(self.model.stuck_rule, self)

        def done(result: int) -> None:
            if result == QDialog.DialogCode.Accepted.value:
                rule = dialog.rule()
                self.model.set_stuck_rule(rule)
                save_rule(self.settings, rule)
                self.show_message(f"Stuck dialers now: {rule.describe()}.")
            dialog.deleteLater()

        dialog.finished.connect(done)
        self.stuck_rule_dialog = dialog
        dialog.open()
        return dialog

    def _restore(self) -> None:
        self.model.set_stuck_rule(load_rule(self.settings))
        panel_settings.restore_panel(self.settings, self.panel, self.filter_bar)
        self.summary_bar.restore(self.settings)
        geometry = self.settings.value(panel_settings.GEOMETRY_KEY)
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        else:
            self.resize(1400, 800)

    def save_settings(self) -> None:
        panel_settings.save_panel(self.settings, self.panel, self.filter_bar)
        self.summary_bar.save(self.settings)
        self.settings.setValue(panel_settings.GEOMETRY_KEY, self.saveGeometry())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_guard is not None and not self.close_guard():
            event.ignore()
            return
        self.save_settings()
        self.tick_timer.stop()
        self.detail.close()
        super().closeEvent(event)
        self.closed.emit()
