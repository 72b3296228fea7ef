"""A console resumed from a remembered token learns its role from the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from supervisor_console.api.client import ApiClient
from supervisor_console.credentials import CredentialStore
from supervisor_console.session import SERVER_KEY, USERNAME_KEY, Console
from tests.support.accounts import SUPER_PW
from tests.support.keyrings import MemoryKeyring
from tests.support.loops import run_on_qasync


@pytest.mark.parametrize("revoked", [False, True])
def test_remembered_token_knows_its_role(
    qapp: Any, small_server: Any, memory_keyring: MemoryKeyring, tmp_path: Path, revoked: bool
) -> None:
    settings = QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat)
    settings.setValue(SERVER_KEY, small_server.base_url)
    settings.setValue(USERNAME_KEY, "supervisor")

    async def scenario() -> tuple[bool, str | None, str | None]:
        async with ApiClient(small_server.base_url) as first:
            info = await first.login("supervisor", SUPER_PW)
            if revoked:
                await first.logout()
        store = CredentialStore()
        await store.save_token(small_server.base_url, "supervisor", info.token)
        console = Console(settings, store=store, feed_wait=1)
        try:
            resumed = await console.try_remembered(small_server.base_url)
            role = console.client.role if resumed and console.client else None
            left = await store.load_token(small_server.base_url, "supervisor")
        finally:
            await console.shutdown()
        return resumed, role, left

    resumed, role, left = run_on_qasync(scenario, qapp, timeout=60)
    if revoked:
        assert (resumed, left) == (False, None)  # the dead token is forgotten: sign in again
    else:
        assert (resumed, role) == (True, "supervisor")
