"""Entry point: ``supervisor-console [--demo [--users N] [--screenshot FILE]] [--server URL]``.

Start-up and shut-down avoid the qasync traps of docs/console-notes.md (section 1): Qt does
not quit when the last window closes.
The main window opens first and stays for the whole run; ``run()`` awaits the console's
``closed`` event, which only the main window's close (or Session > Quit) sets, never a
dialog: a sign-in dialog accepted or cancelled cannot end the program. Then the feed
stops, the client closes and the demo backend stops, all while the loop still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from collections.abc import Sequence

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from supervisor_console import icons
from supervisor_console.api.client import ApiClient
from supervisor_console.credentials import CredentialStore
from supervisor_console.dev.demo import DemoBackend
from supervisor_console.dev.ui_probe import install_from_env
from supervisor_console.session import Console

log = logging.getLogger("supervisor_console")
SCREENSHOT_SIZE = (1400, 800)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="supervisor-console", description=__doc__)
    parser.add_argument("--demo", action="store_true", help="start a local demo backend")
    parser.add_argument("--users", type=int, default=500, help="demo users (default 500)")
    parser.add_argument("--screenshot", metavar="FILE.png", help="with --demo: save and exit")
    parser.add_argument("--server", metavar="URL", help="server address to sign in to")
    args = parser.parse_args(argv)
    if args.screenshot and not args.demo:
        parser.error("--screenshot needs --demo")
    return args


async def wait_populated(console: Console, updates: int = 3, timeout: float = 20.0) -> None:
    """Until the first full batch and a few incremental ones (or the timeout) arrived."""
    await asyncio.wait_for(console.first_full.wait(), timeout)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout / 2
    while console.batches < 1 + updates and loop.time() < deadline:  # noqa: ASYNC110 - a batch count has no event; polled until the deadline
        await asyncio.sleep(0.2)


async def save_screenshot(console: Console, path: str) -> None:
    await wait_populated(console)
    window = console.open_window()
    window.resize(*SCREENSHOT_SIZE)
    window.model.tick()
    window.connection.refresh()
    await asyncio.sleep(0.3)  # let Qt lay out and paint
    if not window.grab().save(path):
        raise OSError(f"could not save the screenshot to {path}")


async def run_demo(console: Console, users: int, screenshot: str | None) -> int:
    backend = DemoBackend(seed_users=users)
    await backend.start()
    try:
        client = ApiClient(backend.base_url)
        info = await client.login("admin", backend.admin_password)
        await console.connect(client, f"{info.username} ({info.role}, demo)")
        if screenshot:
            await save_screenshot(console, screenshot)
            return 0
        await console.closed.wait()
        return 0
    finally:
        await console.shutdown()
        await backend.stop()


async def run_signed_in(console: Console, server: str) -> int:
    try:
        await console.start(server)
        await console.closed.wait()
        return 0
    finally:
        await console.shutdown()


async def run(args: argparse.Namespace) -> int:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    # A screenshot shows the defaults and leaves the user's saved layout alone.
    scratch = tempfile.TemporaryDirectory() if args.screenshot else None
    ini = QSettings.Format.IniFormat
    settings = QSettings(f"{scratch.name}/s.ini", ini) if scratch else QSettings()
    store = None if args.demo else CredentialStore()
    console = Console(settings, store)
    probe = install_from_env(app)  # only for the end-to-end tests
    try:
        if args.demo:
            return await run_demo(console, args.users, args.screenshot)
        server = args.server or str(settings.value("session/server") or "")
        return await run_signed_in(console, server)
    finally:
        if probe is not None:
            probe.stop()
        if console.window is not None:
            console.window.close()
            console.window.deleteLater()
        settings.sync()
        if scratch is not None:
            scratch.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setOrganizationName("supervisor-console")
    app.setApplicationName("Supervisor Console")
    app.setDesktopFileName(icons.APP_ID)  # resources/applications/supervisor-console.desktop
    app.setWindowIcon(icons.app_icon())
    app.setStyle("Fusion")
    with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        try:
            return runner.run(run(args))
        except Exception as exc:  # noqa: BLE001 - a readable line, not a traceback, for a failed start
            log.error("%s", exc)
            return 1
