"""Shared by the bulk tests: the real backend with 30 agents, signed-in clients, a console."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import waiting
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from contact_center.testing.server import ServerThread
from supervisor_console.api.client import ApiClient
from supervisor_console.session import Console

ADMIN_PW = "admin-pw"
SUPER_PW = "super-pw"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """The real backend on 127.0.0.1 with 30 seeded agents and no simulator."""
    srv = ServerThread(tmp_path / "cc.db", seed_users=30)
    srv.start()
    yield srv
    srv.stop()


async def signed_in(url: str, username: str, password: str) -> ApiClient:
    client = ApiClient(url)
    await client.login(username, password)
    return client


# -- a signed-in console (GUI tests on the qasync loop) ------------------------------------

# As in actions_support: a closed qasync loop leaves Qt timers behind; keeping the loops
# alive lets them fire harmlessly instead of on freed memory in a later test.
_KEEP_LOOPS: list[asyncio.AbstractEventLoop] = []


until = functools.partial(waiting.until, timeout=10.0)


@contextlib.asynccontextmanager
async def live_console(
    server: ServerThread, tmp_path: Path, username: str
) -> AsyncIterator[Console]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    _KEEP_LOOPS.append(asyncio.get_running_loop())
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    console = Console(settings, feed_wait=1)
    password = ADMIN_PW if username == "admin" else SUPER_PW
    try:
        await console.connect(await signed_in(server.base_url, username, password), username)
        await asyncio.wait_for(console.first_full.wait(), 10)
        assert console.window is not None
        assert console.bulk is not None
        console.bulk.jobs.poll_interval = 0.02
        yield console
    finally:
        await console.shutdown()
        if console.window is not None:
            console.window.close()
            console.window.deleteLater()
