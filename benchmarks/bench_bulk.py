"""A bulk job over 10,000 users on the reference backend, with the console following it.

The backend runs in its own process (as in production: its work must not share the
console's GIL). The console is the real one: Console, the live panel, the change feed and
the bulk controller, which polls the job every 250 ms and shows progress. Measured:
time from submit to the job's end, until the panel shows every change, and how late a
10 ms GUI heartbeat fires meanwhile (p50 / p99 / max).

Prints figures, asserts nothing. Run:
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_bulk.py [--users N]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
import qasync
from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from supervisor_console.api.client import ApiClient
from supervisor_console.bulk import BulkRequest, ScopeKind, make_scope, preview
from supervisor_console.session import Console
from supervisor_console.views.bulk_job_view import BulkJobView

ADMIN_PW = "admin-pw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_backend(db: Path, users: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [
        sys.executable, "-m", "contact_center", "serve", "--db", str(db), "--port", str(port),
        "--seed-users", str(users), "--admin-password", ADMIN_PW, "--supervisor-password", "s",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/openapi.json", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the backend did not start")


class GcPauses:
    """How long the cyclic garbage collector held the GUI thread (it stops the world)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._started = 0.0

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._note)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._started))

    def report(self) -> str:
        full = [s * 1000 for g, s in self.pauses if g == 2]
        longest = max((s * 1000 for _g, s in self.pauses), default=0.0)
        return (
            f"{len(self.pauses)} collections, {len(full)} full "
            f"(longest {max(full, default=0.0):.0f} ms); longest of all {longest:.0f} ms"
        )


class Heartbeat:
    """A 10 ms precise timer; records how late each beat fires."""

    def __init__(self, interval_ms: int = 10) -> None:
        self.interval = interval_ms / 1000
        self.clock = QElapsedTimer()
        self.late: list[float] = []
        self.at: list[float] = []  # seconds since start() of each beat
        self.timer = QTimer(interval=interval_ms)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._beat)
        self._last = 0

    def start(self) -> None:
        self.late.clear()
        self.at.clear()
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _beat(self) -> None:
        now = self.clock.nsecsElapsed()
        self.late.append(max(0.0, (now - self._last) / 1e9 - self.interval))
        self.at.append(now / 1e9)
        self._last = now

    def report(self) -> str:
        ms = sorted(x * 1000 for x in self.late) or [0.0]
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        worst = max(range(len(self.late)), key=self.late.__getitem__, default=0)
        when = self.at[worst] if self.at else 0.0
        return (
            f"{len(ms)} beats, late p50 {statistics.median(ms):.1f} ms, "
            f"p99 {p99:.1f} ms, max {ms[-1]:.1f} ms (at {when:.1f} s)"
        )


async def until(check, timeout: float) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - a predicate of any state: polled
            await asyncio.sleep(0.02)
    return time.perf_counter() - start


async def scenario(url: str, tmp: Path, action: str) -> None:
    settings = QSettings(str(tmp / "console.ini"), QSettings.Format.IniFormat)
    console = Console(settings, feed_wait=25)
    client = ApiClient(url, timeout=60)
    await client.login("admin", ADMIN_PW)
    started = time.perf_counter()
    await console.connect(client, "admin")
    await asyncio.wait_for(console.first_full.wait(), 120)
    assert console.window is not None
    assert console.bulk is not None
    model = console.model
    print(f"console loaded {model.total_count:,} users in {time.perf_counter() - started:.1f} s")
    scope = make_scope(ScopeKind.ALL, [], [], model.all_rows(), model.panel_filter)
    params = {"values": ["bench"]} if action.endswith("tags") else {}
    request = BulkRequest(action, scope, params)
    t = time.perf_counter()
    seen = await preview(client, request)
    print(f"preview: {seen.will_change:,} will change, {seen.skipped_count:,} skipped, "
          f"{time.perf_counter() - t:.2f} s")  # fmt: skip
    idle = Heartbeat()
    idle.start()
    await asyncio.sleep(5)
    idle.stop()
    print(f"GUI heartbeat, console idle for 5 s (the machine's own noise): {idle.report()}")
    await run_job(console, request, seen.will_change)
    await console.shutdown()
    console.window.close()


async def run_job(console: Console, request: BulkRequest, will_change: int) -> None:
    assert console.bulk is not None
    model, view, beat = console.model, BulkJobView(), Heartbeat()
    polls: list[int] = []
    batches_before = console.batches
    beat.start()
    gc_pauses = GcPauses().__enter__()
    cpu = time.process_time()
    t = time.perf_counter()
    task = asyncio.ensure_future(
        console.bulk.jobs.run(view, "Bench", request, request.scope.versions())
    )
    while not task.done():
        polls.append(view.state.processed if view.state else 0)
        await asyncio.sleep(0.25)
    final = task.result()
    job_s = time.perf_counter() - t
    cpu = time.process_time() - cpu
    print(f"(job ended at {beat.clock.nsecsElapsed() / 1e9:.1f} s on the heartbeat's clock)")
    print(f"console CPU during the job: {cpu:.1f} s in {job_s:.1f} s ({cpu / job_s:.0%} of a core)")
    changed = "bench" if request.action.endswith("tags") else None
    feed_s = await until(
        lambda: changed is None or all(changed in r.tags for r in model.all_rows().values()), 120
    )
    beat.stop()
    gc_pauses.__exit__()
    assert final is not None
    print(f"job {final.id}: {final.done:,} done, {final.skipped:,} skipped, {final.failed:,} "
          f"failed of {final.total:,} (preview said {will_change:,} would change)")  # fmt: skip
    print(f"submit -> finished: {job_s:.1f} s ({final.total / job_s:,.0f} users/s); "
          f"panel had every change {feed_s:.1f} s later")  # fmt: skip
    print(f"feed batches during the job: {console.batches - batches_before}")
    print(f"GUI heartbeat during job and feed: {beat.report()}")
    print(f"garbage collector meanwhile: {gc_pauses.report()}")
    view.deleteLater()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--action", default="add-tags", help="add-tags or reset-dialer")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        t = time.perf_counter()
        proc, url = start_backend(tmp / "cc.db", args.users)
        print(f"backend with {args.users:,} agents up in {time.perf_counter() - t:.1f} s")
        try:
            with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
                runner.run(scenario(url, tmp, args.action))
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


if __name__ == "__main__":
    main()
