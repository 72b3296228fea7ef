"""GUI tests: async tests here run on the qasync loop; settings go to a temp file.

In async tests never call qtbot.wait*/waitSignal (docs/console-notes.md, 1: teardown hangs); await
futures or tasks instead, each under asyncio.wait_for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
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

# A closed qasync loop leaves Qt timers registered; if the garbage collector frees the loop
# from another thread, Qt later fires a timer on freed memory (a segfault seen here).
# Keeping every loop alive for the session lets those timers fire harmlessly.
_KEEP_LOOPS: list[qasync.QEventLoop] = []


def _qasync_loop() -> qasync.QEventLoop:
    loop = qasync.QEventLoop(QApplication.instance() or QApplication([]))
    _KEEP_LOOPS.append(loop)
    return loop


def pytest_asyncio_loop_factories(config: Any, item: Any) -> dict[str, Callable[[], Any]]:
    return {"qasync": _qasync_loop}


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot: Any, settings: QSettings) -> Iterator[MainWindow]:
    model = LivePanelModel()
    model.apply(ChangeBatch([make_row(i) for i in range(1, 31)], [], 1, full=True))
    win = MainWindow(model, settings)
    qtbot.addWidget(win)
    win.show()
    yield win
    if shiboken6.isValid(win):  # pytest-qt may have closed and deleted it already
        win.close()
