"""The account steps a sign-in may require, and the same steps asked for from the menu.

After a sign-in with a temporary password the server issues a token good only for changing
it; a role under the server's two-factor policy must enrol before anything else. This flow
runs those dialogs one after the other (window-modal, ``open()`` + a future, never a nested
event loop) and says whether the session may go on.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtWidgets import QDialog, QWidget

from supervisor_console.api.client import ApiClient
from supervisor_console.api.errors import ApiError, ConflictError
from supervisor_console.api.types import SessionInfo
from supervisor_console.views.account import ChangePasswordDialog, PasswordChange, TwoFactorDialog

Spawn = Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]


async def finished(dialog: QDialog) -> bool:
    """Open `dialog` and wait until it closes: True when accepted."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(done)
    dialog.open()
    try:
        return await future == QDialog.DialogCode.Accepted.value
    finally:
        dialog.deleteLater()


class AccountFlow:
    """Runs the account dialogs over `parent` for the client's signed-in user."""

    def __init__(self, parent: QWidget, spawn: Spawn) -> None:
        self.parent = parent
        self.spawn = spawn
        self.dialog: QDialog | None = None  # the one showing now (tests and the UI probe)

    async def complete_sign_in(
        self, client: ApiClient, info: SessionInfo, password: str
    ) -> SessionInfo | None:
        """Whatever the server requires before the panel; None when the user gave up."""
        if info.password_change_required:
            changed = await self.change_password(client, info.username, current=password)
            if changed is None:
                return None
            info = changed
        if info.two_factor_enrolment_required:
            if not await self.enrol(client, required=True):
                return None
            info = dataclasses.replace(info, two_factor_enrolment_required=False)
        return info

    async def change_password(
        self, client: ApiClient, username: str, *, current: str | None = None
    ) -> SessionInfo | None:
        """The Change password dialog; the new session's info, or None when cancelled.
        `current` given: required after a temporary password (already typed, not asked)."""
        required = current is not None
        dialog = ChangePasswordDialog(
            self.parent, username, required=required, current=current or ""
        )
        changed: list[SessionInfo] = []

        async def attempt(change: PasswordChange) -> None:
            try:
                changed.append(await client.change_password(change.current, change.new))
            except ApiError as exc:
                dialog.show_error(str(exc))
                return
            dialog.accept()

        dialog.submitted.connect(lambda change: self.spawn(attempt(change)))
        self.dialog = dialog
        try:
            accepted = await finished(dialog)
        finally:
            self.dialog = None
        return changed[-1] if accepted and changed else None

    async def enrol(self, client: ApiClient, *, required: bool = False) -> bool:
        """The two-factor dialog: enrol, confirm with a code, show the backup codes."""
        dialog = TwoFactorDialog(self.parent, required=required)
        self.dialog = dialog

        async def start() -> None:
            try:
                secret, uri = await client.enroll_two_factor()
            except ConflictError as exc:  # already on: nothing to set up
                dialog.show_error(exc.detail or str(exc))
                dialog.ok_button.setEnabled(False)
                return
            except ApiError as exc:
                dialog.show_error(str(exc))
                dialog.ok_button.setEnabled(False)
                return
            dialog.show_secret(secret, uri)

        async def confirm(code: str) -> None:
            try:
                codes = await client.confirm_two_factor(code)
            except ApiError as exc:
                dialog.show_error(exc.detail or str(exc))
                return
            dialog.show_backup_codes(codes)

        dialog.submitted.connect(lambda code: self.spawn(confirm(code)))
        self.spawn(start())
        try:
            return await finished(dialog)
        finally:
            self.dialog = None
