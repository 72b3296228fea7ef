"""GUI tests: async tests here run on the qasync loop (kept alive by tests/support/plugin.py).

In async tests never call qtbot.wait*/waitSignal (docs/console-notes.md, 1: teardown hangs); await
futures or tasks instead, each under asyncio.wait_for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import qasync
import shiboken6
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from supervisor_console.api.types import ChangeBatch
from supervisor_console.dev.samples import make_row
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.views.main_window import MainWindow


def _qasync_loop() -> qasync.QEventLoop:
    return qasync.QEventLoop(QApplication.instance() or QApplication([]))


def pytest_asyncio_loop_factories(config: Any, item: Any) -> dict[str, Callable[[], Any]]:
    return {"qasync": _qasync_loop}


@pytest.fixture
def window(qtbot: Any, console_settings: QSettings) -> Iterator[MainWindow]:
    model = LivePanelModel()
    model.apply(ChangeBatch([make_row(i) for i in range(1, 31)], [], 1, full=True))
    win = MainWindow(model, console_settings)
    qtbot.addWidget(win)
    win.show()
    yield win
    if shiboken6.isValid(win):  # pytest-qt may have closed and deleted it already
        win.close()
