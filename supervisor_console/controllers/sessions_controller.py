"""Session ▸ Active sessions…: every user's sessions in a window refreshed while open, and
log one out (the server decides who may: a supervisor acts on agents)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from supervisor_console.api.client import ApiClient
from supervisor_console.api.errors import ApiError
from supervisor_console.views.main_window import MainWindow
from supervisor_console.views.sessions_window import SessionsWindow, describe

Spawn = Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]


class SessionsController:
    def __init__(self, window: MainWindow, spawn: Spawn) -> None:
        self.spawn = spawn
        self.client: ApiClient | None = None
        self.window = SessionsWindow(window)
        self.window.refresh_requested.connect(lambda: self.spawn(self.load()))
        self.window.logout_requested.connect(lambda s: self.spawn(self.end(s)))

    def open(self) -> SessionsWindow:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        self.window.search.setFocus()
        return self.window

    async def load(self) -> None:
        client = self.client
        if client is None or not client.signed_in:
            return
        try:
            sessions = await client.all_sessions()
        except ApiError as exc:
            self.window.show_problem(f"Could not read the sessions: {exc}")
            return
        self.window.set_sessions(sessions, datetime.now())

    async def end(self, session: dict[str, Any]) -> None:
        client = self.client
        if client is None:
            return
        try:
            await client.end_session(int(session["user_id"]), int(session["id"]))
        except ApiError as exc:
            self.window.show_problem(str(exc))
            return
        await self.load()
        self.window.show_problem(f"Logged out: {describe(session)}.")
