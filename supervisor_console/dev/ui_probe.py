"""What the user sees, written as JSON for the end-to-end tests; off unless asked for.

`SUPERVISOR_CONSOLE_UI_PROBE=/path/state.json` turns it on. The probe only reads: window
titles, visible texts, where the keyboard focus is, the panel's counts and the current
row. The tests drive the program from outside, with the keyboard (xdotool), as a user
does; this file is how they see the screen without reading pixels. It is rewritten only
when something changed, from a worker thread (the GUI thread never waits on the disk).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QMessageBox,
    QWidget,
)

from supervisor_console.controllers.alerts import AlertCenter
from supervisor_console.views.main_window import MainWindow

ENV = "SUPERVISOR_CONSOLE_UI_PROBE"
INTERVAL_MS = 150


def describe(widget: QWidget | None) -> dict[str, Any] | None:
    if widget is None:
        return None
    text = ""
    if isinstance(widget, QAbstractButton | QLabel):
        text = widget.text().replace("&", "")
    window = widget.window()
    return {
        "class": type(widget).__name__,
        "name": widget.objectName(),
        "text": text,
        "window": window.windowTitle() if window is not None else "",
    }


def window_state(window: QWidget) -> dict[str, Any]:
    labels = [
        label.text()
        for label in window.findChildren(QLabel)
        if label.isVisibleTo(window) and label.text()
    ]
    buttons = [
        button.text().replace("&", "")
        for button in window.findChildren(QAbstractButton)
        if button.isVisibleTo(window) and button.text()
    ]
    state: dict[str, Any] = {
        "title": window.windowTitle(),
        "class": type(window).__name__,
        "name": window.objectName(),
        "active": window.isActiveWindow(),
        "labels": labels,
        "buttons": buttons,
    }
    if isinstance(window, QMessageBox):
        state["text"] = window.text()
        state["informative"] = window.informativeText()
    if isinstance(window, MainWindow):
        state.update(main_window_state(window))
    return state


def main_window_state(window: MainWindow) -> dict[str, Any]:
    model, connection = window.model, window.connection
    current = window.panel.current_user()
    detail = window.detail
    detail_row = model.user(detail.user_id) if detail.user_id is not None else None
    return {
        "rows_shown": model.shown_count,
        "rows_total": model.total_count,
        "current_user": current.name if current is not None else None,
        "detail_user": detail_row.name if detail.isVisible() and detail_row else None,
        "banner": connection.banner.text() if connection.banner.isVisibleTo(window) else "",
        "connection": connection.state_label.text(),
        "age": connection.age_label.text(),
        "status_message": window.statusBar().currentMessage(),
        "signed_in_as": window.user_label.text(),
        "search": window.filter_bar.search.text(),
        "stuck_only": model.panel_filter.stuck_only,
        "exceptions_only": model.panel_filter.exceptions_only,
        "over_limits": {level.name.lower(): n for level, n in model.limit_counts().items()},
        "thresholds_version": model.thresholds.version,
        "thresholds_loaded": bool(model.thresholds.limits),
        "last_alert": _last_alert(window),
        "stuck_rule": model.stuck_rule.describe(),
        # The summary bar (issue 15): its counts by label, and whose ("shown" or "floor").
        "summary": window.summary_bar.counts(),
        "summary_scope": "floor" if window.summary_bar.whole_floor else "shown",
        "summary_other": window.summary_bar.other_texts.full_text,
    }


def _last_alert(window: MainWindow) -> str:
    center = window.findChild(AlertCenter)
    return center.last_message if isinstance(center, AlertCenter) else ""


def snapshot(app: QApplication) -> dict[str, Any]:
    windows = [w for w in app.topLevelWidgets() if w.isVisible()]
    focus = app.focusWidget()  # described by class and name: a field's text is never read
    return {
        "pid": os.getpid(),
        "windows": [window_state(w) for w in windows],
        "focus": describe(focus),
        "active": describe(app.activeWindow()),
    }


class UiProbe(QObject):
    """Writes `snapshot()` to `path` whenever it changes."""

    def __init__(self, app: QApplication, path: str) -> None:
        super().__init__(app)
        self.app = app
        self.path = Path(path)
        self._last = ""
        self._writing: asyncio.Future[None] | None = None
        self._timer = QTimer(self, interval=INTERVAL_MS)
        self._timer.timeout.connect(self.poll)
        self._timer.start()

    def poll(self) -> None:
        if self._writing is not None and not self._writing.done():
            return
        text = json.dumps(snapshot(self.app), ensure_ascii=False, sort_keys=True)
        if text == self._last:
            return
        self._last = text
        loop = asyncio.get_running_loop()
        self._writing = loop.run_in_executor(None, _write_atomically, self.path, text)

    def stop(self) -> None:
        self._timer.stop()


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def install_from_env(app: QApplication) -> UiProbe | None:
    path = os.environ.get(ENV)
    return UiProbe(app, path) if path else None
