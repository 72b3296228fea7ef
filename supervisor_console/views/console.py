"""One console session: the client, the live feed, the panel model and the window.

Sign-in goes through the non-modal dialog (``open()`` + signals); the actual login runs
as a task that this object keeps a reference to. Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QSettings

from supervisor_console.api.client import ApiClient
from supervisor_console.api.errors import ApiError, AuthError
from supervisor_console.api.types import ChangeBatch, ConnectionState, FeedStatus
from supervisor_console.credentials import CredentialStore
from supervisor_console.feed import ChangeFeed
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.views.action_controller import ActionController
from supervisor_console.views.bulk_controller import BulkController
from supervisor_console.views.main_window import MainWindow
from supervisor_console.views.sign_in import SignInDialog, SignInRequest, sign_in_error_text
from supervisor_console.views.tasks import TaskKeeper

log = logging.getLogger(__name__)
SERVER_KEY = "session/server"
USERNAME_KEY = "session/username"
CA_KEY = "session/ca_file"


class Console:
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
        self.dialog: SignInDialog | None = None
        self.client: ApiClient | None = None
        self.feed: ChangeFeed | None = None
        self.closed = asyncio.Event()
        self.first_full = asyncio.Event()
        self.batches = 0
        self._tasks = TaskKeeper("console task")

    # ---- window and feed ----------------------------------------------------------------

    def open_window(self, title: str = "") -> MainWindow:
        if self.window is None:
            self.window = MainWindow(self.model, self.settings, title)
            self.window.sign_in_requested.connect(self.ask_sign_in)
            self.actions = ActionController(self.window, reset_limit=self.reset_limit)
            self.bulk = BulkController(self.window)
            self.window.show()
        return self.window

    async def connect(self, client: ApiClient, who: str) -> None:
        """Follow the server through `client` (replacing any previous client)."""
        await self._stop_feed()
        old, self.client = self.client, client
        if old is not None and old is not client:
            await old.aclose()
        window = self.open_window(client.base_url)
        window.set_detail_source(client)
        if self.actions is not None:
            self.actions.set_client(client)
        if self.bulk is not None:
            self.bulk.set_client(client)
        window.set_signed_in_as(f"Signed in as {who} on {client.base_url}")
        self.feed = ChangeFeed(client, self._on_batch, self._on_status, wait=self.feed_wait)
        self.feed.start()

    def _on_batch(self, batch: ChangeBatch) -> None:
        if self.window is not None:
            self.window.apply_batch(batch)
        self.batches += 1
        if batch.full:
            self.first_full.set()

    def _on_status(self, status: FeedStatus) -> None:
        if self.window is not None:
            self.window.set_feed_status(status)
        if status.state is ConnectionState.SIGNED_OUT:
            self.ask_sign_in()

    async def _stop_feed(self) -> None:
        feed, self.feed = self.feed, None
        if feed is not None:
            await feed.stop()

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

    # ---- sign-in ------------------------------------------------------------------------

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
        await self.connect(client, username)
        return True

    def ask_sign_in(self, server: str = "") -> SignInDialog:
        if self.dialog is not None and self.dialog.isVisible():
            return self.dialog
        server = server or str(self.settings.value(SERVER_KEY) or "")
        username = str(self.settings.value(USERNAME_KEY) or "")
        dialog = SignInDialog(self.window, server=server, username=username)
        dialog.ca_file.setText(str(self.settings.value(CA_KEY) or ""))
        dialog.submitted.connect(lambda req: self.spawn(self.sign_in(req)))
        dialog.rejected.connect(self._sign_in_cancelled)
        if self.store is not None and self.store.warning:
            dialog.disable_remember(self.store.warning)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _sign_in_cancelled(self) -> None:
        if self.window is None:  # nothing else open: cancelling the first sign-in quits
            self.closed.set()

    async def sign_in(self, req: SignInRequest) -> None:
        dialog = self.dialog
        client = ApiClient(req.server, verify=req.ca_file or True)
        try:
            info = await client.login(req.username, req.password)
        except (ApiError, OSError) as exc:
            await client.aclose()
            if dialog is not None:
                dialog.show_error(sign_in_error_text(exc))
            return
        self._remember_form(req)
        if req.remember and self.store is not None:
            await self.store.save_token(client.base_url, req.username, info.token)
            self._show_store_warning()
        if dialog is not None:
            dialog.accept()
        await self.connect(client, f"{info.username} ({info.role})")

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
