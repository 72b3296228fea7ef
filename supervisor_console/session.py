"""One console run: the window, and the session in it (client, live feed, panel model).

The main window opens first and lives until the user closes it or chooses Session ▸
Quit; `closed` is set then and only then, so no dialog closing can end the program.
Sign-in goes through the window-modal dialog (``open()`` + signals); the login runs as a
task that this object keeps a reference to. Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from supervisor_console.api.client import ApiClient
from supervisor_console.api.errors import ApiError, AuthError
from supervisor_console.api.types import ChangeBatch, ConnectionState, FeedStatus
from supervisor_console.controllers.account_flow import AccountFlow
from supervisor_console.controllers.action_controller import ActionController
from supervisor_console.controllers.bulk_controller import BulkController
from supervisor_console.controllers.leaving import LeavingMixin
from supervisor_console.controllers.limits_controller import LimitsController
from supervisor_console.controllers.sessions_controller import SessionsController
from supervisor_console.controllers.tasks import TaskKeeper
from supervisor_console.controllers.views_controller import ViewsController
from supervisor_console.credentials import CredentialStore
from supervisor_console.feed import ChangeFeed
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.views.main_window import MainWindow
from supervisor_console.views.sessions_window import SessionsWindow
from supervisor_console.views.sign_in import SignInDialog, SignInRequest, sign_in_error_text

log = logging.getLogger(__name__)
CONSOLE_ROLES = ("supervisor", "admin")
AGENT_REFUSED = "Only supervisors and admins can use this console."
SERVER_KEY = "session/server"
USERNAME_KEY = "session/username"
CA_KEY = "session/ca_file"


class Console(LeavingMixin):
    """Owns everything that lives while the console runs; `shutdown()` releases it."""

    def __init__(
        self, settings: QSettings, store: CredentialStore | None = None, feed_wait: float = 25.0
    ) -> None:
        self.settings = settings
        self.feed_wait = feed_wait
        self.reset_limit = 30.0  # seconds a dialer reset may take to show Available
        self.actions: ActionController | None = None
        self.bulk: BulkController | None = None
        self.store = store
        self.model = LivePanelModel()
        self.window: MainWindow | None = None
        self.sessions: SessionsController | None = None
        self.views: ViewsController | None = None
        self.limits: LimitsController | None = None
        self.account: AccountFlow
        self.dialog: SignInDialog | None = None
        self.leave_box: QMessageBox | None = None
        self.client: ApiClient | None = None
        self.feed: ChangeFeed | None = None
        self.username = ""
        self.remembered = False  # the current token is in the keyring
        self.closed = asyncio.Event()
        self.first_full = asyncio.Event()
        self.batches = 0
        self._leaving = False
        self._tasks = TaskKeeper("console task")

    # ---- window and feed ----------------------------------------------------------------

    def open_window(self, title: str = "") -> MainWindow:
        if self.window is None:
            self.window = MainWindow(self.model, self.settings, title)
            self.window.sign_in_requested.connect(self.ask_sign_in)
            self.window.sign_out_requested.connect(lambda: self.leave("sign out", self.sign_out))
            self.window.switch_server_requested.connect(
                lambda: self.leave("switch servers", self.switch_server)
            )
            self.window.close_guard = self._may_close
            self.window.closed.connect(self.closed.set)
            self.window.connection.retry_button.clicked.connect(self.retry_now)
            self.account = AccountFlow(self.window, self.spawn)
            self.window.change_password_requested.connect(
                lambda: self.spawn(self._change_password())
            )
            self.window.two_factor_requested.connect(lambda: self.spawn(self._enrol_two_factor()))
            self.window.sessions_requested.connect(self.open_sessions)
            self.limits = LimitsController(self.window, self.spawn)
            self.views = ViewsController(self.window, self.settings, self.spawn)
            self.actions = ActionController(self.window, reset_limit=self.reset_limit)
            self.bulk = BulkController(self.window)
            self.window.set_feed_status(FeedStatus(ConnectionState.SIGNED_OUT))
            self.window.show()
        return self.window

    async def connect(self, client: ApiClient, who: str) -> None:
        """Follow the server through `client` (replacing any previous client)."""
        if self.client is not None and self.client is not client:
            await self._end_session_for_switch()
        await self._stop_feed()
        self.client = client
        window = self.open_window(client.base_url)
        window.set_server(client.base_url)
        window.set_detail_source(client)
        if self.actions is not None:
            self.actions.set_client(client)
        if self.bulk is not None:
            self.bulk.set_client(client)
        if self.limits is not None:
            self.limits.set_client(client)
        if self.views is not None:
            self.views.set_client(client, self.username)
        if self.sessions is not None:
            self.sessions.client = client
        window.set_signed_in_as(f"Signed in as {who} on {client.base_url}")
        window.panel.setFocus()  # the keyboard starts on the panel, not on a filter
        self.feed = ChangeFeed(client, self._on_batch, self._on_status, wait=self.feed_wait)
        self.feed.start()

    def retry_now(self) -> None:
        """The status bar's "Retry now": try the server at once instead of waiting."""
        if self.feed is not None:
            self.feed.retry_now()

    def _on_batch(self, batch: ChangeBatch) -> None:
        if self.window is not None:
            self.window.apply_batch(batch)
        if self.limits is not None:
            self.limits.on_batch(batch)
        self.batches += 1
        if batch.full:
            self.first_full.set()

    def _on_status(self, status: FeedStatus) -> None:
        if self.window is not None:
            self.window.set_feed_status(status)
        if status.state is ConnectionState.SIGNED_OUT:
            self.spawn(self._session_lost(status.message))

    async def _session_lost(self, message: str) -> None:
        """The server no longer takes the token (signed out by someone, expired, revoked):
        a remembered copy is useless now, so it is forgotten; then sign in again, told why."""
        server = self.client.base_url if self.client is not None else ""
        if self.remembered and self.store is not None and self.username:
            await self.store.forget(server, self.username)
            self.remembered = False
        dialog = self.ask_sign_in(server)
        if message:
            dialog.show_note(message)

    def open_sessions(self) -> SessionsWindow:
        """Session ▸ Active sessions… (controllers/sessions_controller.py)."""
        if self.sessions is None:
            self.sessions = SessionsController(self.open_window(), self.spawn)
        self.sessions.client = self.client
        return self.sessions.open()

    async def _change_password(self) -> None:
        if self.client is None or not self.client.signed_in:
            return
        info = await self.account.change_password(self.client, self.username)
        if info is None:
            return
        if self.remembered and self.store is not None:  # the old token was revoked
            await self.store.save_token(self.client.base_url, self.username, info.token)
        if self.window is not None:
            self.window.show_message("Your password was changed.", 15000)

    async def _enrol_two_factor(self) -> None:
        if self.client is None or not self.client.signed_in:
            return
        if await self.account.enrol(self.client) and self.window is not None:
            self.window.show_message(
                "Two-factor authentication is on: sign-ins will ask for a code.", 15000
            )

    async def _stop_feed(self) -> None:
        feed, self.feed = self.feed, None
        if feed is not None:
            await feed.stop()

    async def _retire(self, client: ApiClient) -> None:
        """Close a client that is no longer used; its token is revoked unless remembered
        (a remembered token is what resumes that server next time)."""
        if client.signed_in and not self.remembered:
            try:
                await client.logout()
            except ApiError as exc:
                log.info("could not revoke the previous session: %s", exc)
        await client.aclose()

    async def shutdown(self) -> None:
        if self.actions is not None:
            await self.actions.close()
        if self.bulk is not None:
            await self.bulk.close()
        await self._tasks.cancel_all()
        await self._stop_feed()
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return self._tasks.spawn(coro)

    async def sign_out(self) -> None:
        """Revoke the token on the server, forget it here, and ask to sign in again."""
        client = await self._end_session()
        server = client.base_url if client is not None else ""
        if client is not None:
            message = "Signed out."
            try:
                await client.logout()
            except ApiError as exc:
                message = f"Signed out here; the server could not be told ({exc})."
            await client.aclose()
            if self.store is not None and self.username:
                await self.store.forget(server, self.username)
            if self.window is not None:
                self.window.show_message(message, 15000)
        self.remembered = False
        self.ask_sign_in(server)

    async def switch_server(self) -> None:
        """Ask for another server; the current session goes on until the new sign-in works."""
        self.ask_sign_in(focus_server=True)

    async def _end_session(self) -> ApiClient | None:
        """Stop following the server and empty the window; returns the old client."""
        await self._stop_feed()
        if self.actions is not None:
            await self.actions.close()
            self.actions.set_client(None)
        if self.bulk is not None:
            await self.bulk.close()
            self.bulk.set_client(None)
        if self.limits is not None:
            self.limits.set_client(None)
        if self.views is not None:
            self.views.set_client(None)
        client, self.client = self.client, None
        self.first_full.clear()
        if self.window is not None:
            self.window.detail.hide()
            self.window.apply_batch(ChangeBatch(changed=[], deleted=[], cursor=0, full=True))
            self.window.set_server(None)
            self.window.connection.forget_data()
            self.window.set_feed_status(
                FeedStatus(ConnectionState.SIGNED_OUT, message="You signed out.")
            )
        return client

    # ---- sign-in ------------------------------------------------------------------------

    async def start(self, server: str) -> None:
        """Open the window, then resume a remembered session or ask to sign in."""
        self.open_window()
        if not await self.try_remembered(server):
            self.ask_sign_in(server)

    async def try_remembered(self, server: str) -> bool:
        """Resume with a remembered token; the feed asks to sign in again if it expired."""
        username = str(self.settings.value(USERNAME_KEY) or "")
        if self.store is None or not server or not username:
            return False
        token = await self.store.load_token(server, username)
        self._show_store_warning()
        if not token:
            return False
        ca = str(self.settings.value(CA_KEY) or "")
        client = ApiClient(server, verify=ca or True, token=token)
        try:
            await client.whoami()  # the role decides which actions the menu offers
        except AuthError:
            await client.aclose()
            await self.store.forget(server, username)
            return False
        except ApiError:
            pass  # unreachable now: the feed reports it and retries; the server still checks roles
        self.username, self.remembered = username, True
        await self.connect(client, f"{username} ({client.role})" if client.role else username)
        return True

    def ask_sign_in(self, server: str = "", *, focus_server: bool = False) -> SignInDialog:
        if self.dialog is not None and self.dialog.isVisible():
            return self.dialog
        window = self.open_window()
        server = server or str(self.settings.value(SERVER_KEY) or "")
        username = str(self.settings.value(USERNAME_KEY) or "")
        dialog = SignInDialog(window, server=server, username=username, focus_server=focus_server)
        dialog.ca_file.setText(str(self.settings.value(CA_KEY) or ""))
        dialog.submitted.connect(lambda req: self.spawn(self.sign_in(req)))
        dialog.finished.connect(lambda _result: self._dialog_gone(dialog))
        if self.store is not None and self.store.warning:
            dialog.disable_remember(self.store.warning)
        self.dialog = dialog
        dialog.open()
        dialog.first_field().setFocus()
        return dialog

    def _dialog_gone(self, dialog: SignInDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    async def sign_in(self, req: SignInRequest) -> None:
        dialog = self.dialog
        client = ApiClient(req.server, verify=req.ca_file or True)
        try:
            info = await client.login(req.username, req.password, otp=req.otp)
        except (ApiError, OSError) as exc:
            await client.aclose()
            if dialog is not None and dialog is self.dialog:  # not cancelled meanwhile
                if isinstance(exc, AuthError) and exc.needs_code:
                    dialog.ask_code(sign_in_error_text(exc))
                else:
                    dialog.show_error(sign_in_error_text(exc))
            return
        if info.role not in CONSOLE_ROLES:  # an agent: the API lets them in, the console not
            await self._retire_quietly(client)
            if dialog is not None and dialog is self.dialog:
                dialog.show_error(AGENT_REFUSED)
            return
        if info.restricted:
            if dialog is not None and dialog is self.dialog:
                dialog.hide()  # the account steps show over the main window
            completed = await self.account.complete_sign_in(client, info, req.password)
            if completed is None:  # the user chose to sign out instead
                await self._retire_quietly(client)
                if dialog is not None and dialog is self.dialog:
                    dialog.show()
                    dialog.show_error("Signed out: the account steps were not completed.")
                return
            info = completed
        self._remember_form(req)
        if self.client is not None:  # switching: the old session ends once the new one works
            await self._end_session_for_switch()
        self.username, self.remembered = req.username, False
        if req.remember and self.store is not None:
            self.remembered = await self.store.save_token(client.base_url, req.username, info.token)
            self._show_store_warning()
        if dialog is not None and dialog is self.dialog:
            dialog.accept()
        await self.connect(client, f"{info.username} ({info.role})")

    async def _end_session_for_switch(self) -> None:
        old = await self._end_session()
        if old is not None:
            await self._retire(old)

    async def _retire_quietly(self, client: ApiClient) -> None:
        """Revoke a token that will not be used (an agent's, a sign-in given up)."""
        try:
            await client.logout()
        except ApiError as exc:
            log.info("could not revoke the unused sign-in: %s", exc)
        await client.aclose()

    def _remember_form(self, req: SignInRequest) -> None:
        self.settings.setValue(SERVER_KEY, req.server)
        self.settings.setValue(USERNAME_KEY, req.username)
        self.settings.setValue(CA_KEY, req.ca_file or "")

    def _show_store_warning(self) -> None:
        warning = self.store.take_warning() if self.store is not None else None
        if warning and self.window is not None:
            self.window.show_message(warning, 15000)
        elif warning and self.dialog is not None:
            self.dialog.show_note(warning)
