"""Time limits in the window (issue 15): the server's thresholds kept current (the change
feed announces a new `settings_version`), View ▸ Time limits… to read or (admins) change
them, and the alerts of rows that reach their limit (notifications, View ▸ Alerts…)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from supervisor_console.api.client import ApiClient
from supervisor_console.api.errors import ApiError, ConflictError
from supervisor_console.api.types import ChangeBatch, Limit
from supervisor_console.controllers.alerts import AlertCenter
from supervisor_console.views.alerts_window import AlertsWindow
from supervisor_console.views.limits_dialog import LimitsDialog
from supervisor_console.views.main_window import MainWindow

log = logging.getLogger(__name__)
Spawn = Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]


class LimitsController:
    def __init__(self, window: MainWindow, spawn: Spawn) -> None:
        self.window = window
        self.model = window.model
        self.spawn = spawn
        self.client: ApiClient | None = None
        self.alerts = AlertCenter(window)
        self.alerts_window: AlertsWindow | None = None
        self.dialog: LimitsDialog | None = None
        self._loading = False
        self.model.limits_alerted.connect(self.alerts.add)
        self.alerts.open_user.connect(self.show_user)
        window.time_limits_requested.connect(self.open_limits)
        window.alerts_requested.connect(self.open_alerts)

    def set_client(self, client: ApiClient | None) -> None:
        self.client = client
        if client is not None:
            self.spawn(self.load())

    def on_batch(self, batch: ChangeBatch) -> None:
        """A newer settings version than the limits held: read them again."""
        version = batch.settings_version
        if version is not None and version > self.model.thresholds.version and not self._loading:
            self.spawn(self.load())

    async def load(self) -> None:
        client = self.client
        if client is None:
            return
        self._loading = True
        try:
            thresholds = await client.thresholds()
        except ApiError as exc:  # an older server has none: the panel simply has no limits
            log.info("no time limits from the server: %s", exc)
            return
        finally:
            self._loading = False
        if client is self.client:
            self.model.set_thresholds(thresholds)
            if self.dialog is not None and self.dialog.isVisible():
                self.dialog.show_thresholds(thresholds)

    def open_limits(self) -> LimitsDialog:
        role = self.client.role if self.client is not None else None
        dialog = LimitsDialog(self.model.thresholds, editable=role == "admin", parent=self.window)
        dialog.save_requested.connect(lambda limits: self.spawn(self.save(dialog, limits)))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    async def save(self, dialog: LimitsDialog, limits: dict[str, Limit]) -> None:
        client = self.client
        if client is None:
            dialog.show_error("Not signed in.")
            return
        try:
            thresholds = await client.set_thresholds(limits, self.model.thresholds.version)
        except ConflictError:
            await self.load()
            dialog.show_thresholds(
                self.model.thresholds,
                "Someone changed the limits meanwhile: these are theirs. Change them again "
                "if you still want to.",
            )
            return
        except ApiError as exc:
            dialog.show_error(str(exc))
            return
        self.model.set_thresholds(thresholds)
        dialog.accept()
        self.window.show_message("Time limits saved: every console uses them now.", 15000)

    def open_alerts(self) -> AlertsWindow:
        if self.alerts_window is None:
            window = AlertsWindow(self.window)
            window.acknowledge_requested.connect(self.alerts.acknowledge)
            window.open_requested.connect(self.show_user)
            self.alerts.changed.connect(lambda: window.show_alerts(self.alerts.alerts))
            self.alerts_window = window
        self.alerts_window.show_alerts(self.alerts.alerts)
        self.alerts_window.show()
        self.alerts_window.raise_()
        return self.alerts_window

    def show_user(self, user_id: int) -> None:
        """From a notification or the alerts list: the window, on that agent."""
        row = self.model.user(user_id)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        if row is not None:
            self.window.open_detail(row, None)
