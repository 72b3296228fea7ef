"""Time from a backend restart to a live panel, with the console's real pieces.

A `Console` (ApiClient, ChangeFeed, LivePanelModel, MainWindow) with its own defaults
(10 s timeout, 25 s long poll, the feed's backoff) follows a real backend on 127.0.0.1.
The backend is stopped, stays down a while, and starts again on the same database and
port; "live" is the first time after the server is back that the feed reports Connected,
which it does right after the answer that brought the panel up to date (a full snapshot
once the outage made the cursor doubtful). Two kinds of backend:

- "thread": `ServerThread` stopped (open long polls cut after 0.2 s) and started again;
  "back" is when uvicorn reports it started (polled every 10 ms);
- "process": `python -m contact_center serve` killed with SIGKILL and started again;
  "back" is its first 200 to GET /health (polled every 5 ms from a thread).

The tests in test_reconnect.py assert on it; for figures:
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.faults.reconnect_timing --runs 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx
from PySide6.QtCore import QSettings

from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import ChangeBatch, ConnectionState, FeedStatus
from supervisor_console.session import Console
from tests.faults.fault_scenarios import Backend, Profile
from tests.support.accounts import ADMIN_PW, SUPER_PW
from tests.support.loops import run_on_qasync


@dataclass
class Timing:
    down_s: float  # how long the backend was down (stop returned .. start called)
    live_s: float  # server back .. the feed's first Connected after it
    full: bool  # the panel was re-read from a snapshot (the outage made the cursor doubtful)
    texts: list[str] = field(default_factory=list)  # status bar texts while down


class Server(Protocol):
    url: str

    def start(self) -> float:
        """Start; return time.monotonic() of the moment it is back."""
        ...

    def stop(self) -> None: ...


class ThreadServer:
    """The reference backend in a thread (tests/faults' Backend: a stop cuts long polls)."""

    def __init__(self, workdir: Path, users: int) -> None:
        profile = Profile(
            "timing", users=users, write_rate=0, fault=0, latency=0, down=0, stall=0,
            client_timeout=10, feed_wait=25, backoff_initial=0.5, backoff_max=2.5,
            action_every=1, retain=200_000, converge_timeout=30, kill_every=1, cut_share=0,
        )  # fmt: skip
        self.backend = Backend(workdir / "timing.db", profile)
        self.url = ""

    def start(self) -> float:
        self.backend.start()
        back = time.monotonic()
        self.url = self.backend.url
        return back

    def stop(self) -> None:
        self.backend.stop()


class ProcessServer:
    """`python -m contact_center serve` as a process; stop() kills it with SIGKILL."""

    def __init__(self, workdir: Path, users: int) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [
            sys.executable, "-m", "contact_center", "serve", "--db", str(workdir / "p.db"),
            "--port", str(self.port), "--seed-users", str(users),
        ]  # fmt: skip
        self.env = {
            **os.environ,
            "CONTACT_CENTER_ADMIN_PASSWORD": ADMIN_PW,
            "CONTACT_CENTER_SUPERVISOR_PASSWORD": SUPER_PW,
        }
        self.log = (workdir / "server.log").open("ab")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=1) as http:
            while time.monotonic() < deadline:
                try:
                    if http.get(f"{self.url}/api/v1/health").status_code == 200:
                        return time.monotonic()
                except httpx.HTTPError:
                    pass
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the backend exited: {self.proc.returncode}")
                time.sleep(0.005)
        raise RuntimeError("the backend did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None


class Watched:
    """A signed-in Console and what its window was told, with times."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.connected: list[float] = []
        self.fulls: list[float] = []
        self.statuses: list[FeedStatus] = []
        self.texts: list[str] = []
        window = console.window
        assert window is not None
        show_status, apply_batch = window.set_feed_status, window.apply_batch

        def on_status(status: FeedStatus) -> None:
            show_status(status)
            self.statuses.append(status)
            if status.state is ConnectionState.CONNECTED:
                self.connected.append(time.monotonic())
            else:
                self.texts.append(window.connection.state_label.text())

        def on_batch(batch: ChangeBatch) -> None:
            apply_batch(batch)
            if batch.full:
                self.fulls.append(time.monotonic())

        window.set_feed_status = on_status  # type: ignore[method-assign]
        window.apply_batch = on_batch  # type: ignore[method-assign]

    async def live_after(self, back: float, timeout: float = 60.0) -> float:
        """When the feed first reported Connected at or after `back` (monotonic)."""
        # `back` is noted up to 10 ms after the server started listening.
        since = back - 0.02
        async with asyncio.timeout(timeout):
            while not any(t >= since for t in self.connected):  # noqa: ASYNC110 - a list the feed appends to: polled
                await asyncio.sleep(0.005)
        return min(t for t in self.connected if t >= since)


@asynccontextmanager
async def watched_console(
    url: str, workdir: Path, feed_wait: float = 25.0
) -> AsyncIterator[Watched]:
    """A Console with its defaults, signed in as the supervisor, holding the snapshot."""
    settings = QSettings(str(workdir / "console.ini"), QSettings.Format.IniFormat)
    client = ApiClient(url)
    console = Console(settings, feed_wait=feed_wait)
    try:
        await client.login("supervisor", SUPER_PW)
        await console.connect(client, "supervisor")
        watched = Watched(console)
        await asyncio.wait_for(console.first_full.wait(), 30)
        yield watched
    finally:
        await console.shutdown()
        await client.aclose()
        if console.window is not None:
            console.window.close()


async def restart_once(server: Server, watched: Watched, down: float) -> Timing:
    """Stop the server, keep it down `down` s, start it; time until the panel is live."""
    await asyncio.sleep(0.3)  # the feed is now inside a long poll
    texts_before = len(watched.texts)
    await asyncio.to_thread(server.stop)
    await asyncio.sleep(down)
    back = await asyncio.to_thread(server.start)
    live = await watched.live_after(back)
    full = any(back - 0.02 <= t <= live for t in watched.fulls)
    return Timing(down, live - back, full, watched.texts[texts_before:])


def measure(
    kind: str,
    runs: int,
    users: int,
    workdir: Path,
    downs: tuple[float, float],
    seed: int = 5,
    backoff_max: float | None = None,
) -> list[Timing]:
    """`runs` restarts of one backend followed by one console; down times drawn uniformly."""
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    server: Server = (
        ThreadServer(workdir, users) if kind == "thread" else ProcessServer(workdir, users)
    )

    async def go() -> list[Timing]:
        out = []
        async with watched_console(server.url, workdir) as watched:
            if backoff_max is not None:  # e.g. 30 for the figures before this cap
                assert watched.console.feed is not None
                watched.console.feed.backoff_max = backoff_max
            for _ in range(runs):
                out.append(await restart_once(server, watched, rng.uniform(*downs)))
        return out

    server.start()
    try:
        timings: list[Timing] = run_on_qasync(go)
        return timings
    finally:
        server.stop()


def summary(timings: list[Timing]) -> str:
    lives = [t.live_s for t in timings]
    return (
        f"restart -> live panel over {len(lives)} runs: min {min(lives):.2f} s, "
        f"median {statistics.median(lives):.2f} s, max {max(lives):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--kind", choices=("thread", "process"), default="process")
    parser.add_argument("--down", type=float, nargs=2, default=(1.0, 8.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--backoff-max", type=float, default=None, help="override the feed's")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        timings = measure(
            args.kind, args.runs, args.users, workdir, tuple(args.down),
            backoff_max=args.backoff_max,
        )  # fmt: skip
    for i, t in enumerate(timings, 1):
        seen = sorted(set(t.texts))
        print(
            f"run {i:2}: down {t.down_s:4.1f} s -> live {t.live_s:.2f} s "
            f"({'snapshot' if t.full else 'from cursor'}); status bar said {seen}"
        )
    print(f"{args.kind} backend, {args.users} users: {summary(timings)}")


if __name__ == "__main__":
    main()
