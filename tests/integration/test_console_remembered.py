"""A console resumed from a remembered token learns its role from the server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import qasync
from fixtures_console import SUPER_PW, MemoryKeyring, memory_keyring, real_backend
from PySide6.QtCore import QSettings

from supervisor_console.api.client import ApiClient
from supervisor_console.credentials import CredentialStore
from supervisor_console.session import SERVER_KEY, USERNAME_KEY, Console

__all__ = ["memory_keyring", "real_backend"]  # fixtures used by name
_KEEP_LOOPS: list[qasync.QEventLoop] = []  # see tests/gui/conftest.py


def _run(qapp: Any, coro: Any) -> Any:
    def factory() -> qasync.QEventLoop:
        loop = qasync.QEventLoop(qapp)
        _KEEP_LOOPS.append(loop)
        return loop

    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(asyncio.wait_for(coro, 60))


@pytest.mark.parametrize("revoked", [False, True])
def test_remembered_token_knows_its_role(
    qapp: Any, real_backend: Any, memory_keyring: MemoryKeyring, tmp_path: Path, revoked: bool
) -> None:
    settings = QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat)
    settings.setValue(SERVER_KEY, real_backend.base_url)
    settings.setValue(USERNAME_KEY, "supervisor")

    async def scenario() -> tuple[bool, str | None, str | None]:
        async with ApiClient(real_backend.base_url) as first:
            info = await first.login("supervisor", SUPER_PW)
            if revoked:
                await first.logout()
        store = CredentialStore()
        await store.save_token(real_backend.base_url, "supervisor", info.token)
        console = Console(settings, store=store, feed_wait=1)
        try:
            resumed = await console.try_remembered(real_backend.base_url)
            role = console.client.role if resumed and console.client else None
            left = await store.load_token(real_backend.base_url, "supervisor")
        finally:
            await console.shutdown()
        return resumed, role, left

    resumed, role, left = _run(qapp, scenario())
    if revoked:
        assert (resumed, left) == (False, None)  # the dead token is forgotten: sign in again
    else:
        assert (resumed, role) == (True, "supervisor")
