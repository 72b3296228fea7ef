"""The one seam through which actions open dialogs; tests drive it.

Every dialog is opened with `open()` and awaited through its `finished` signal: no
`exec()`, no nested event loop inside a running coroutine (qasync issues #59, #82; see
docs/console-notes.md). `DIALOGS` says which dialog collects each kind of input: a new
kind of dialog is one entry here.

Signals:
    opened(QDialog): a dialog has just been opened (tests and screenshots take it here).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from supervisor_console.actions.base import Confirmation, DialogKind, UserAction
from supervisor_console.api.types import UserRow
from supervisor_console.views.dialogs.common import ActionDialog
from supervisor_console.views.dialogs.confirm import ConfirmDialog, NoticeDialog
from supervisor_console.views.dialogs.edit import EditUserDialog
from supervisor_console.views.dialogs.password import ResetPasswordDialog, TemporaryPasswordDialog
from supervisor_console.views.dialogs.recycle import RecycleDialog
from supervisor_console.views.dialogs.sessions import SessionPickerDialog
from supervisor_console.views.dialogs.status import SetStatusDialog

DialogFactory = Callable[[UserAction[Any], UserRow, Any, QWidget], ActionDialog]


def _confirmation(unit: UserAction[Any], row: UserRow) -> Confirmation:
    confirmation = unit.confirmation(row, None)  # asked before any input is collected
    assert confirmation is not None, f"{unit.key} has no confirmation"
    return confirmation


# (unit, row, what `unit.prepare()` loaded, parent) -> the dialog for that kind.
DIALOGS: dict[DialogKind, DialogFactory] = {
    DialogKind.CONFIRM: lambda u, r, _c, p: ConfirmDialog(r, _confirmation(u, r), p),
    DialogKind.RESET_PASSWORD: lambda u, r, _c, p: ResetPasswordDialog(r, _confirmation(u, r), p),
    DialogKind.RECYCLE: lambda _u, r, _c, p: RecycleDialog(r, p),
    DialogKind.SET_STATUS: lambda _u, r, _c, p: SetStatusDialog(r, p),
    DialogKind.PICK_SESSION: lambda _u, r, sessions, p: SessionPickerDialog(r, sessions, p),
    DialogKind.EDIT: lambda _u, r, context, p: EditUserDialog(r, context, p),
}


class DialogRunner(QObject):
    opened = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.current: QDialog | None = None

    async def run(self, dialog: QDialog) -> bool:
        """Open `dialog` window-modal; True when it was accepted."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def finished(result: int) -> None:
            if not future.done():
                future.set_result(result)

        dialog.finished.connect(finished)
        self.current = dialog
        focus = QApplication.focusWidget()
        dialog.open()
        self.opened.emit(dialog)
        try:
            return await future == QDialog.DialogCode.Accepted
        except asyncio.CancelledError:
            dialog.reject()  # the console is closing: never leave a dialog behind
            raise
        finally:
            if self.current is dialog:
                self.current = None
            dialog.deleteLater()
            _restore_focus(self.parent_widget, focus)

    async def ask(
        self,
        unit: UserAction[Any],
        row: UserRow,
        context: Any,
        previous: Any = None,
        notice: str | None = None,
        errors: dict[str, str] | None = None,
    ) -> tuple[bool, Any]:
        """The unit's dialog (from `DIALOGS`): (accepted, the input it collected). With
        `previous`, the input of an attempt refused by a conflict, and `notice`, why."""
        dialog = DIALOGS[unit.dialog](unit, row, context, self.parent_widget)
        if previous is not None:
            dialog.restore(previous)
        if notice:
            dialog.show_change(notice)
        if errors:
            dialog.show_field_errors(errors)
        if not await self.run(dialog):
            return False, None
        return True, dialog.value()

    async def inform(self, title: str, text: str, details: Sequence[str] = ()) -> None:
        await self.run(NoticeDialog(title, text, details, self.parent_widget))

    async def show_password(self, row: UserRow, password: str) -> None:
        await self.run(TemporaryPasswordDialog(row, password, self.parent_widget))


def _restore_focus(window: QWidget, focus: QWidget | None) -> None:
    """Give the keyboard back to where it was (not every window manager does it). A popup
    menu that had it is gone: then the window's own last focus (the panel) gets it."""
    if focus is None or not shiboken6.isValid(focus) or not focus.isVisible():
        focus = window.focusWidget()
    if focus is None or not window.isVisible():
        return
    window.activateWindow()
    focus.setFocus(Qt.FocusReason.ActiveWindowFocusReason)
