"""DemoBackend starts the real backend as a subprocess and cleans up after itself."""

from __future__ import annotations

import sys

import pytest

from supervisor_console.api.client import ApiClient
from supervisor_console.dev.demo import DemoBackend, DemoError


async def test_demo_backend_serves_and_cleans_up() -> None:
    demo = DemoBackend(seed_users=20, simulate=False)
    await demo.start()
    try:
        assert demo.admin_password not in " ".join(demo.command())  # env, not argv
        async with ApiClient(demo.base_url) as client:
            info = await client.login("supervisor", demo.supervisor_password)
            rows, _ = await client.users()
        assert info.role == "supervisor"
        assert len([r for r in rows if r.role == "agent"]) == 20
        folder = demo.dir
        assert folder is not None
        assert (folder / "demo.db").exists()
    finally:
        await demo.stop()
    assert not folder.exists()
    assert not demo.running


async def test_demo_backend_that_dies_reports_its_log(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = DemoBackend(seed_users=0, simulate=False)
    monkeypatch.setattr(demo, "command", lambda: [sys.executable, "-c", "print('boom'); exit(3)"])
    with pytest.raises(DemoError, match=r"exited \(3\)\.\nboom"):
        await demo.start(timeout=10)
    assert demo.dir is None
