"""Save a screenshot of every action dialog to docs/dialogs/*.png (offscreen, no backend).

QT_QPA_PLATFORM=offscreen .venv/bin/python docs/dialogs/capture.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from supervisor_console.actions import BY_KEY
from supervisor_console.actions.dialer import not_resettable_reason
from supervisor_console.actions.params import LogoutParams, RecycleInfo
from supervisor_console.actions.reset_watch import ResetWatch
from supervisor_console.api.types import ChangeBatch, LiveCall, Status
from supervisor_console.controllers.action_controller import ActionController
from supervisor_console.dev.samples import make_row, random_row
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.views.dialogs.confirm import ConfirmDialog, NoticeDialog
from supervisor_console.views.dialogs.password import (
    ResetPasswordDialog,
    TemporaryPasswordDialog,
)
from supervisor_console.views.dialogs.recycle import RecycleDialog
from supervisor_console.views.dialogs.sessions import SessionPickerDialog
from supervisor_console.views.dialogs.status import SetStatusDialog
from supervisor_console.views.main_window import MainWindow

OUT = Path(__file__).resolve().parent
CALL = LiveCall(9, "inbound", "+15551234567", datetime(2026, 11, 23, 9, tzinfo=UTC))
ADA = dict(first_name="Ada", last_name="Lovelace", username="agent17", extension="1017")
BUSY = make_row(17, status=Status.BUSY, live_call=CALL, session_count=2, **ADA)
UNAVAILABLE = make_row(17, status=Status.UNAVAILABLE, **ADA)
OFFLINE = make_row(17, status=Status.OFFLINE, session_count=0, **ADA)
SESSIONS = [
    {"id": 41, "client": "web", "started_at": "2026-11-23T08:02:11+00:00",
     "last_seen": "2026-11-23T09:14:55+00:00"},
    {"id": 42, "client": "desktop", "started_at": "2026-11-23T08:30:40+00:00",
     "last_seen": "2026-11-23T09:15:02+00:00"},
]  # fmt: skip


def confirm(key: str, row: object, params: object = None) -> QDialog:
    return ConfirmDialog(row, BY_KEY[key].confirmation(row, params))  # type: ignore[arg-type]


def recycle_page(page: int) -> QDialog:
    dialog = RecycleDialog(BUSY)
    for name in ("delete_voicemail", "delete_greetings", "unassign_phone_number", "recycle"):
        dialog.checks[name].setChecked(True)
    info = RecycleInfo("Grace", "Hopper", "grace@example", True)
    for name in ("first_name", "last_name", "email"):
        dialog.fields[name].setText(getattr(info, name))
    if page >= 1:
        dialog.on_confirm()
        dialog._validate_details(show_all=True)
    if page >= 2:
        dialog.fields["email"].setText("grace@example.com")
        dialog.on_confirm()
    return dialog


SHOTS: dict[str, Callable[[], QDialog]] = {
    "reset-dialer-unavailable": lambda: confirm("reset-dialer", UNAVAILABLE),
    "reset-dialer-busy": lambda: confirm("reset-dialer", BUSY),
    "reset-dialer-offline": lambda: NoticeDialog(
        "Reset dialer status", not_resettable_reason(OFFLINE)
    ),
    "logout-all": lambda: confirm("logout", BUSY, LogoutParams()),
    "logout-session": lambda: SessionPickerDialog(BUSY, SESSIONS),
    "deactivate": lambda: confirm("deactivate", BUSY),
    "reset-2fa": lambda: confirm("reset-2fa", make_row(17, two_factor=True, **ADA)),
    "delete": lambda: confirm("delete", BUSY),
    "reset-password": lambda: ResetPasswordDialog(
        BUSY, BY_KEY["reset-password"].confirmation(BUSY, None)
    ),
    "temporary-password": lambda: TemporaryPasswordDialog(BUSY, "kT7-qm2R-94xz"),
    "set-status": lambda: SetStatusDialog(make_row(17, status=Status.AVAILABLE, **ADA)),
    "recycle-options": lambda: recycle_page(0),
    "recycle-details": lambda: recycle_page(1),
    "recycle-review": lambda: recycle_page(2),
    "conflict": lambda: NoticeDialog(
        "Nothing was done: the user changed",
        "Nothing was done: Ada Lovelace changed since you looked: now Offline (you saw Busy).",
    ),
}


def window_shots(app: QApplication) -> None:
    """The context menu of a stuck row, and the window after a reset that did not show
    Available in time (the row's mark, the detail pane's next steps)."""
    with tempfile.TemporaryDirectory() as scratch:
        settings = QSettings(str(Path(scratch) / "c.ini"), QSettings.Format.IniFormat)
        model = LivePanelModel()
        rows = [random_row(i, random.Random(i)) for i in range(1, 26)]
        rows[2] = make_row(3, status=Status.UNAVAILABLE, **ADA)
        model.apply(ChangeBatch(rows, [], 1, full=True))
        window = MainWindow(model, settings)
        window.resize(1400, 820)
        controller = ActionController(window)
        clock = [0.0]
        controller.reset_marks.watch = ResetWatch(30, clock=lambda: clock[0])
        row = model.user(3)
        assert row is not None
        window.show()
        menu = controller.build_menu(row)
        menu.adjustSize()
        save(menu, "context-menu", app)
        controller.reset_marks.start(row)
        clock[0] = 31.0
        controller.reset_marks.check()
        window.open_detail(row)
        save(window, "reset-overdue", app)
        window.close()


def save(widget: QWidget, name: str, app: QApplication) -> None:
    app.processEvents()
    path = OUT / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise OSError(f"could not save {path}")
    print(path)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setStyle("Fusion")
    wanted = sys.argv[1:] or [*SHOTS, "window"]
    for name in wanted:
        if name == "window":
            window_shots(app)
            continue
        dialog = SHOTS[name]()
        dialog.show()
        save(dialog, name, app)
        dialog.close()
        dialog.deleteLater()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
