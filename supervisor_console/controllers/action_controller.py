"""Wires the action units into the window: the panel's context menu (mouse, Menu key,
Shift+F10), one shortcut per action, the detail pane's buttons, `/` to search.

Every entry point ends in `trigger(key, row)`: a navigation entry opens the details, any
other unit runs through the one `ActionFlow` (actions/flow.py), the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QContextMenuEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QMenu

from supervisor_console.actions.base import NavigationAction, UserAction
from supervisor_console.actions.catalogue import BY_KEY, CATALOGUE, MenuItem, menu_items
from supervisor_console.actions.execute import Outcome, RetryPolicy
from supervisor_console.actions.flow import MESSAGE_MS, ActionFlow, FlowClient
from supervisor_console.actions.reset_watch import DEFAULT_LIMIT, WatchState
from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import UserRow
from supervisor_console.controllers.reset_marks import ResetMarks
from supervisor_console.controllers.tasks import TaskKeeper
from supervisor_console.views.action_panel import (
    ActionPanel,
    ReadableDetails,
    shortcut_text,
    troubleshooting_text,
)
from supervisor_console.views.dialogs.runner import DialogRunner
from supervisor_console.views.main_window import MainWindow

log = logging.getLogger(__name__)
_TO_PANEL_KEYS = (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)


class ActionController(QObject):
    def __init__(
        self,
        window: MainWindow,
        *,
        runner: DialogRunner | None = None,
        reset_limit: float = DEFAULT_LIMIT,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 (frozen)
    ) -> None:
        super().__init__(window)
        self.window, self.model, self.panel = window, window.model, window.panel
        self.runner = runner or DialogRunner(window)
        self.reset_marks = ResetMarks(self.model, reset_limit, self)
        self.reset_marks.changed.connect(self._watch_changed)
        self.flow = ActionFlow(self.runner, window, self.reset_marks, retry=retry)
        self.buttons = ActionPanel(window.detail)
        self.buttons.triggered.connect(self._button)
        window.detail.add_section(self.buttons)
        window.detail.row_shown.connect(self._detail_shown)
        self.tasks = TaskKeeper("action", lambda text: self.show_message(text))
        self.last_menu: QMenu | None = None
        self.shortcuts: dict[str, QAction] = {}
        self._install_shortcuts()
        for target in (self.panel, self.panel.viewport(), window.filter_bar.search):
            target.installEventFilter(self)

    @property
    def client(self) -> FlowClient | None:
        """The client the actions are sent with (the flow's)."""
        return self.flow.client

    @client.setter
    def client(self, client: FlowClient | None) -> None:
        self.flow.client = client

    @property
    def role(self) -> str | None:
        return self.client.role if self.client is not None else None

    def set_client(self, client: ApiClient | None) -> None:
        self.client = client
        self.window.set_detail_source(ReadableDetails(client) if client is not None else None)

    # ---- entry points -------------------------------------------------------------------

    def trigger(self, key: str, row: UserRow | None = None) -> asyncio.Task[Any] | None:
        """Run action `key` for `row` (default: the panel's current row) as seen now."""
        row = row or self.panel.current_user()
        if row is None:
            self.show_message("Select a user first.")
            return None
        unit = BY_KEY[key]
        if isinstance(unit, NavigationAction):
            self.window.open_detail(row, unit.section)
            return None
        assert isinstance(unit, UserAction)
        available = unit.availability(row, self.role)
        if not available.enabled:
            if available.explain:
                return self.tasks.spawn(self.runner.inform(unit.label, available.reason))
            self.show_message(available.reason)
            return None
        if self.flow.running(unit, row):
            self.show_message(f"{unit.label.rstrip('…')} for {row.name} is already under way.")
            return None
        return self.tasks.spawn(self.flow.run(unit, row))

    def menu_items(self, row: UserRow) -> list[MenuItem]:
        return menu_items(row, self.role)

    def build_menu(self, row: UserRow) -> QMenu:
        menu = QMenu(self.panel)
        menu.setToolTipsVisible(True)
        for item in self.menu_items(row):
            if item.separator_before:
                menu.addSeparator()
            # The shortcut after a tab is drawn in the shortcut column without registering
            # a second shortcut (which would steal Enter inside the open menu).
            action = menu.addAction(f"{item.label}\t{shortcut_text(item.shortcut)}")
            action.setEnabled(item.enabled)
            action.setToolTip(item.reason or item.label)
            action.setData(item.key)
            action.triggered.connect(lambda _=False, k=item.key, r=row: self.trigger(k, r))
        return menu

    def open_menu(self, at: QPoint | None = None) -> QMenu | None:
        """The context menu for the current row, at `at` (global) or below the row."""
        row = self.panel.current_user()
        if row is None:
            self.show_message("Select a user first.")
            return None
        if at is None:
            rect = self.panel.visualRect(self.panel.currentIndex())
            at = self.panel.viewport().mapToGlobal(rect.bottomLeft())
        if self.last_menu is not None:
            if self.last_menu.isVisible() and self.last_menu.property("user_id") == row.id:
                return self.last_menu
            self.last_menu.close()
        menu = self.last_menu = self.build_menu(row)
        menu.setProperty("user_id", row.id)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.destroyed.connect(lambda _=None, gone=menu: self._menu_gone(gone))
        menu.popup(at)
        return menu

    def show_message(self, text: str) -> None:
        self.window.show_message(text, MESSAGE_MS)

    # ---- wiring -------------------------------------------------------------------------

    def _install_shortcuts(self) -> None:
        for unit in CATALOGUE:
            if unit.own_shortcut:
                self._shortcut(unit.shortcut, unit.label, lambda k=unit.key: self.trigger(k))
        # The Menu key also arrives as a context-menu event on some platforms; open_menu()
        # keeps one menu open either way.
        self._shortcut("Menu", "Actions menu", self.open_menu)
        self._shortcut("Shift+F10", "Actions menu", self.open_menu)
        self._shortcut("/", "Find", self._focus_search)

    def _shortcut(self, keys: str, label: str, slot: Any) -> None:
        action = QAction(label, self.panel)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _=False: slot())
        self.panel.addAction(action)
        self.shortcuts[keys] = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ContextMenu and watched is not self.window.filter_bar.search:
            assert isinstance(event, QContextMenuEvent)
            self._context_menu(event)
            return True
        if event.type() == QEvent.Type.KeyPress and watched is self.window.filter_bar.search:
            assert isinstance(event, QKeyEvent)
            if event.key() in _TO_PANEL_KEYS and not event.modifiers():
                self._search_to_panel()
                return True
        return super().eventFilter(watched, event)

    def _context_menu(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            index = self.panel.indexAt(self.panel.viewport().mapFromGlobal(event.globalPos()))
            if not index.isValid():
                return
            self.panel.setCurrentIndex(index)
            self.open_menu(event.globalPos())
        else:
            self.open_menu()

    def _focus_search(self) -> None:
        self.window.filter_bar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.window.filter_bar.search.selectAll()

    def _search_to_panel(self) -> None:
        """Down or Enter in the search box: apply it now and go to the first match."""
        self.model.set_filter(self.window.filter_bar.current_filter())
        self.panel.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.panel.currentIndex().isValid() and self.model.rowCount() > 0:
            self.panel.setCurrentIndex(self.model.index(0, 0))

    def _button(self, key: str) -> None:
        user_id = self.window.detail.user_id
        row = self.model.user(user_id) if user_id is not None else None
        if row is not None:
            self.trigger(key, row)

    def _detail_shown(self, row: UserRow) -> None:
        self.buttons.set_items(self.menu_items(row))
        overdue = self.reset_marks.state(row.id) is WatchState.OVERDUE
        text = troubleshooting_text(row, self.reset_marks.limit) if overdue else None
        self.buttons.set_troubleshooting(text)

    def _watch_changed(self, user_id: int) -> None:
        row = self.model.user(user_id)
        if row is not None and self.window.detail.user_id == user_id:
            self._detail_shown(row)

    def _menu_gone(self, menu: QMenu) -> None:
        if self.last_menu is menu:
            self.last_menu = None

    # ---- tasks --------------------------------------------------------------------------

    def sending(self, what: str) -> contextlib.AbstractContextManager[None]:
        """Marks a confirmed action on its way to the server (`what` names it)."""
        return self.flow.in_flight.sending(what)

    def in_flight(self) -> list[str]:
        """The actions sent whose answer has not come yet, in words."""
        return self.flow.in_flight.names()

    async def all_sent(self) -> None:
        """Until every action on its way has its answer (retries included)."""
        await self.flow.in_flight.all_answered()

    async def close(self, send_limit: float = 60.0) -> None:
        """Let actions on their way get their answer, then cancel the rest (dialogs close)
        and stop the watch: an action is never left half sent."""
        self.reset_marks.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_sent(), send_limit)
        await self.tasks.cancel_all()

    def outcome_of(self, task: asyncio.Task[Any]) -> Outcome | None:
        result = task.result()
        return result if isinstance(result, Outcome) else None
