"""Saved views (issue 15, item 4): filters, columns, their order and widths, and the sort,
saved by name on the server (per user, optionally shared), so they follow the supervisor to
any workstation. The Views menu lists them, Ctrl+1…9 switch; QSettings keeps only the name
of the last one used.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QInputDialog, QMenu, QMessageBox

from supervisor_console.api.client import ApiClient
from supervisor_console.api.errors import ApiError
from supervisor_console.views import panel_settings
from supervisor_console.views.main_window import MainWindow

log = logging.getLogger(__name__)
Spawn = Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]
LAST_VIEW_KEY = "views/last"


def view_label(view: dict[str, Any], me: str) -> str:
    owner = view.get("owner")
    shared = " (shared)" if view.get("shared") else ""
    by = f" — {owner}" if owner and owner != me else ""
    return f"{view.get('name', '?')}{shared}{by}"


class ViewsController:
    def __init__(self, window: MainWindow, settings: QSettings, spawn: Spawn) -> None:
        self.window = window
        self.settings = settings
        self.spawn = spawn
        self.client: ApiClient | None = None
        self.username = ""
        self.views: list[dict[str, Any]] = []
        self.menu: QMenu = window.menuBar().addMenu("Vie&ws")
        self.menu.aboutToShow.connect(self._fill_menu)
        # Ctrl+1…9 work without opening the menu (window-wide shortcuts).
        self.shortcuts: list[QAction] = []
        for number in range(1, 10):
            action = QAction(self.window, shortcut=QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, n=number: self.switch_to(n - 1))
            window.addAction(action)
            self.shortcuts.append(action)
        self.last_message = ""

    def set_client(self, client: ApiClient | None, username: str = "") -> None:
        self.client, self.username = client, username
        self.views = []
        if client is not None:
            self.spawn(self.load(apply_last=True))

    async def load(self, apply_last: bool = False) -> None:
        client = self.client
        if client is None:
            return
        try:
            views = await client.views()
        except ApiError as exc:  # an older server keeps no views: the menu says so
            log.info("no saved views: %s", exc)
            return
        if client is not self.client:
            return
        self.views = views
        last = str(self.settings.value(LAST_VIEW_KEY) or "")
        if apply_last and last:
            found = next((v for v in views if str(v.get("id")) == last), None)
            if found is not None:
                self.apply(found)

    def _fill_menu(self) -> None:
        self.menu.clear()
        save = self.menu.addAction("&Save the current view as…")
        save.triggered.connect(self.ask_save)
        save.setEnabled(self.client is not None)
        self.menu.addSeparator()
        if not self.views:
            empty = self.menu.addAction("No saved views yet")
            empty.setEnabled(False)
        for number, view in enumerate(self.views, start=1):
            # The key is shown, not registered again: the window's own Ctrl+N does it.
            keys = f"\tCtrl+{number}" if number <= 9 else ""
            action = self.menu.addAction(view_label(view, self.username) + keys)
            action.triggered.connect(lambda _checked=False, v=view: self.apply(v))
        own = [v for v in self.views if v.get("owner") == self.username]
        if own:
            delete = self.menu.addMenu("&Delete a view")
            for view in own:
                action = delete.addAction(str(view.get("name")))
                action.triggered.connect(lambda _checked=False, v=view: self.ask_delete(v))

    def switch_to(self, position: int) -> None:
        if 0 <= position < len(self.views):
            self.apply(self.views[position])
        else:
            self.window.show_message(f"There is no saved view {position + 1}.")

    def apply(self, view: dict[str, Any]) -> None:
        window = self.window
        if panel_settings.apply_layout(view.get("layout"), window.panel, window.filter_bar):
            self.settings.setValue(LAST_VIEW_KEY, str(view.get("id")))
            self.last_message = f"View: {view.get('name')}."
        else:
            self.last_message = f"The view {view.get('name')} could not be read; nothing changed."
        window.show_message(self.last_message)

    def ask_save(self) -> None:
        dialog = QInputDialog(self.window)
        dialog.setObjectName("save_view")
        dialog.setWindowTitle("Save the current view")
        dialog.setLabelText("Name of the view (filters, columns and sort):")
        share = QCheckBox("Share it with everyone", dialog)
        layout = dialog.layout()
        if layout is not None:
            layout.addWidget(share)
        dialog.textValueSelected.connect(
            lambda name: self.spawn(self.save(name.strip(), share.isChecked()))
        )
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    async def save(self, name: str, shared: bool) -> None:
        client = self.client
        if client is None or not name:
            return
        layout = panel_settings.panel_layout(self.window.panel, self.window.filter_bar)
        mine = next(
            (v for v in self.views if v.get("owner") == self.username
             and str(v.get("name", "")).casefold() == name.casefold()),
            None,
        )  # fmt: skip
        try:
            if mine is None:
                saved = await client.save_view(name, layout, shared=shared)
            else:  # the same name again: replace one's own view
                saved = await client.save_view(
                    name,
                    layout,
                    shared=shared,
                    view_id=int(mine["id"]),
                    version=mine.get("version"),
                )
        except ApiError as exc:
            self.window.show_message(f"The view was not saved: {exc}")
            return
        self.settings.setValue(LAST_VIEW_KEY, str(saved.get("id")))
        await self.load()
        self.window.show_message(f"View saved: {name}.")

    def ask_delete(self, view: dict[str, Any]) -> None:
        box = QMessageBox(self.window)
        box.setWindowTitle("Delete view")
        box.setText(f"Delete the view {view.get('name')}?")
        delete = box.addButton("&Delete", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)

        def chosen() -> None:
            if box.clickedButton() is delete:
                self.spawn(self.delete(view))

        box.finished.connect(chosen)
        box.finished.connect(box.deleteLater)
        box.open()

    async def delete(self, view: dict[str, Any]) -> None:
        if self.client is None:
            return
        try:
            await self.client.delete_view(int(view["id"]))
        except ApiError as exc:
            self.window.show_message(f"The view was not deleted: {exc}")
            return
        await self.load()
        self.window.show_message(f"View deleted: {view.get('name')}.")
