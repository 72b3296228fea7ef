"""Screenshots of the bulk dialog (preview shown) and its results, on the real backend.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python docs/bulk/screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from sqlalchemy import select, update

from contact_center.storage.journal import touch
from contact_center.storage.tables import users
from contact_center.testing.server import ServerThread
from supervisor_console.api.client import ApiClient
from supervisor_console.bulk import ScopeKind
from supervisor_console.session import Console

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)


def mix_statuses(server: ServerThread) -> None:
    """Some stuck dialers among the agents, as after an outage."""
    assert server.store is not None
    rng = random.Random(5)
    with server.store.write() as conn:
        ids = [r[0] for r in conn.execute(select(users.c.id).where(users.c.role == "agent"))]
        stuck = rng.sample(ids, 14)
        for uid in stuck:
            status = rng.choice(["busy", "unavailable"])
            conn.execute(update(users).where(users.c.id == uid).values(status=status))
        touch(conn, stuck, "screenshot")


async def until(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - a predicate of any state: polled
            await asyncio.sleep(0.05)


async def shoot(server: ServerThread, tmp: Path) -> None:
    settings = QSettings(str(tmp / "console.ini"), QSettings.Format.IniFormat)
    console = Console(settings, feed_wait=1)
    client = ApiClient(server.base_url)
    await client.login("supervisor", "super-pw")
    await console.connect(client, "supervisor (supervisor)")
    await asyncio.wait_for(console.first_full.wait(), 20)
    assert console.window is not None
    assert console.bulk is not None
    window, controller = console.window, console.bulk
    window.resize(1400, 800)
    window.filter_bar.status.setCurrentIndex(1)  # Busy or Unavailable
    await until(lambda: window.model.shown_count < window.model.total_count)
    window.panel.setFocus()
    window.panel.selectAll()
    dialog = controller.open_dialog()
    dialog.choose("reset-dialer", ScopeKind.ALL)
    dialog.preview_button.click()
    await until(lambda: dialog.preview is not None)
    dialog.confirm_edit.setText(str(dialog.preview.will_change if dialog.preview else ""))
    dialog.resize(dialog.width(), dialog.layout().totalHeightForWidth(dialog.width()))
    await asyncio.sleep(0.2)
    dialog.grab().save(str(OUT / "bulk-dialog-preview.png"))
    done = asyncio.get_running_loop().create_future()
    controller.job_finished.connect(lambda state: done.done() or done.set_result(state))
    dialog.run_button.click()
    await asyncio.wait_for(done, 60)
    await asyncio.sleep(0.5)
    dialog.grab().save(str(OUT / "bulk-results.png"))
    window.grab().save(str(OUT / "bulk-window.png"))
    dialog.accept()
    await console.shutdown()
    window.close()


def main() -> None:
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerThread(Path(tmp) / "cc.db", seed_users=60)
        server.start()
        try:
            mix_statuses(server)
            with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
                runner.run(shoot(server, Path(tmp)))
        finally:
            server.stop()
    print("saved to", OUT)


if __name__ == "__main__":
    main()
