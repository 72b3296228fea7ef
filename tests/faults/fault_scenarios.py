"""Fault scenarios against the real console stack, shared by tests/faults and the report.

Each scenario runs the reference backend (ServerThread, SQLite) with a writer thread that
keeps changing agents, puts a FaultProxy between it and the console, and drives the
console's real pieces on the qasync loop: `Console` (client, ChangeFeed, LivePanelModel,
MainWindow) signed in as the supervisor through the proxy. While a fault is on, actions
are issued the way the console issues them (precondition + Idempotency-Key, retried with
the same key) and a precise heartbeat QTimer measures how late the GUI thread gets.
After the fault the writer stops and the panel must equal the backend's `/users` row by
row; the audit log must show every action applied at most once, and exactly as reported.

`run_scenario(name, profile, workdir, qapp)` returns a `ScenarioResult`; the tests assert
on it and `benchmarks/report_faults.py` prints it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import ConnectionState, FeedStatus, UserRow
from supervisor_console.session import Console
from supervisor_console.views.main_window import MainWindow
from tests.faults.fault_parts import (
    LONG,
    SCENARIOS,
    SHORT,
    ActionIssuer,
    Backend,
    Heartbeat,
    Outcome,
    Profile,
    ScenarioResult,
    Writer,
)
from tests.faults.faultproxy import FaultProxy
from tests.support.accounts import ADMIN_PW, SUPER_PW

# Shared with tests/faults/test_faults.py, reconnect_timing.py and benchmarks/report_faults.py.
__all__ = [
    "LONG", "SCENARIOS", "SHORT", "Backend", "Profile", "ScenarioResult",
    "details", "format_table", "run_scenario",
]  # fmt: skip


@dataclass
class Run:
    """What a fault injector gets to work with."""

    profile: Profile
    backend: Backend
    proxy: FaultProxy
    writer: Writer
    result: ScenarioResult
    back_at: float | None = None  # time.monotonic() when the fault ended


async def _restart(run: Run) -> None:
    """Backend process restart on the same database and port; the writer keeps writing."""
    await asyncio.to_thread(run.backend.stop)
    run.result.faults["restarts"] = 1
    await asyncio.sleep(run.profile.down)
    run.result.faults["down_s"] = run.profile.down

    def start() -> float:
        run.backend.start()
        return time.monotonic()

    run.back_at = await asyncio.to_thread(start)


async def _drops(run: Run) -> None:
    """Connections killed mid long poll every `kill_every` s; answers cut part-way."""
    run.proxy.cut_share = run.profile.cut_share
    end = time.monotonic() + run.profile.fault
    try:
        while time.monotonic() < end:
            await asyncio.sleep(run.profile.kill_every)
            await asyncio.to_thread(run.proxy.kill_all)
    finally:
        run.proxy.cut_share = 0.0
    run.result.faults["killed"] = run.proxy.stats["killed"]
    run.result.faults["cut"] = run.proxy.stats["cut"]


async def _errors(run: Run) -> None:
    """Every request answered 503 by the proxy for `fault` seconds; refused for a moment."""
    run.proxy.error_status = 503
    await asyncio.sleep(run.profile.fault * 0.8)
    run.proxy.error_status = None
    await asyncio.to_thread(run.proxy.refuse)
    await asyncio.sleep(run.profile.fault * 0.2)
    await asyncio.to_thread(run.proxy.accept)
    run.back_at = time.monotonic()
    run.result.faults["answered_503"] = run.proxy.stats["answered_503"]
    run.result.faults["refused_s"] = round(run.profile.fault * 0.2, 1)
    run.result.faults["error_s"] = run.profile.fault


async def _latency(run: Run) -> None:
    """Every answer delayed by `latency` s (longer than the client's timeout)."""
    run.proxy.latency = run.profile.latency
    await asyncio.sleep(max(run.profile.fault, run.profile.latency * 1.5))
    run.proxy.latency = 0.0
    run.result.faults["latency_s"] = run.profile.latency


async def _expired(run: Run) -> None:
    """The console hears nothing (answers stalled) while many changes are written and the
    feed's history is pruned past its cursor; then its connection drops: it asks from a
    cursor the backend no longer serves (410) and must re-read the snapshot."""
    run.proxy.latency = 3600.0
    t0 = time.monotonic()
    written = await asyncio.to_thread(run.writer.burst, run.profile.retain * 3)
    store = run.backend.server.store
    assert store is not None
    await asyncio.to_thread(store.prune_changes)
    await asyncio.sleep(max(0.0, run.profile.stall - (time.monotonic() - t0)))
    run.proxy.latency = 0.0
    await asyncio.to_thread(run.proxy.kill_all)
    run.result.faults["burst_changes"] = written
    run.result.faults["pruned_to"] = run.profile.retain
    run.result.faults["killed"] = run.proxy.stats["killed"]


INJECTORS: dict[str, Callable[[Run], Awaitable[None]]] = {
    "restart": _restart,
    "drops": _drops,
    "errors": _errors,
    "latency": _latency,
    "expired": _expired,
}
DESCRIPTIONS = {name: (fn.__doc__ or "").split("\n")[0] for name, fn in INJECTORS.items()}


# -- running one ----------------------------------------------------------------------------


def run_scenario(
    name: str, profile: Profile, workdir: Path, qapp: QApplication | None = None
) -> ScenarioResult:
    """Run one scenario to the end (backend, proxy, console, fault, convergence, audit)."""
    app = qapp or QApplication.instance() or QApplication([])
    workdir.mkdir(parents=True, exist_ok=True)
    retain = profile.retain if name == "expired" else 200_000
    backend = Backend(workdir / f"{name}.db", profile, retain)
    result = ScenarioResult(name, profile.name)
    backend.start()
    proxy = FaultProxy(backend.server.port)
    writer = Writer(backend, profile.write_rate)
    try:
        proxy.start()
        run = Run(profile, backend, proxy, writer, result)
        settings = QSettings(str(workdir / f"{name}.ini"), QSettings.Format.IniFormat)
        timeout = profile.fault * 2 + profile.down + profile.latency * 3 + 120

        async def guarded() -> None:
            await asyncio.wait_for(_scenario(run, settings), timeout)

        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(app)) as runner:
            runner.run(guarded())
    finally:
        writer.stop()
        proxy.stop()
        backend.stop()
        # Qt objects in reference cycles must die on this (the GUI) thread, not in whatever
        # thread the next automatic collection happens to run in.
        gc.collect()
    result.changes_written = writer.written
    result.statuses_via_proxy = dict(proxy.statuses)
    return result


async def _scenario(run: Run, settings: QSettings) -> None:
    profile, result = run.profile, run.result
    client = ApiClient(run.proxy.url, timeout=profile.client_timeout)
    console = Console(settings, feed_wait=profile.feed_wait)
    watching = False  # from the fault's start until the panel has converged
    states: Counter[str] = Counter()
    connected_at: list[float] = []

    def watch(window: MainWindow) -> None:
        # Every status the feed reports reaches the window here; record what it then shows.
        shown = window.set_feed_status

        def spy(status: FeedStatus) -> None:
            shown(status)
            if status.state is ConnectionState.CONNECTED:
                connected_at.append(time.monotonic())
            if watching:
                states[status.state.value] += 1
                if window.connection.banner.isVisible():
                    result.banner_during_fault = True
                    result.banner_text = window.connection.banner.text()
                    result.status_texts.append(window.connection.state_label.text())

        window.set_feed_status = spy  # type: ignore[method-assign]

    heartbeat = Heartbeat()
    try:
        await client.login("supervisor", SUPER_PW)
        await console.connect(client, "supervisor")
        assert console.feed is not None
        assert console.window is not None
        watch(console.window)  # before the feed's task first runs
        console.feed.backoff_initial = profile.backoff_initial
        console.feed.backoff_max = profile.backoff_max
        await asyncio.wait_for(console.first_full.wait(), 30)
        heartbeat.start()
        run.writer.start()
        await asyncio.sleep(0.5)

        retry_for = profile.fault + profile.down + profile.latency * 2 + profile.converge_timeout
        issuer = ActionIssuer(console, client, result.name, retry_for)
        watching = True
        fault = asyncio.ensure_future(INJECTORS[result.name](run))
        while not fault.done():
            issuer.issue()
            await asyncio.wait({fault}, timeout=profile.action_every)
        await fault
        recovered = time.monotonic()
        back = run.back_at if run.back_at is not None else recovered
        run.writer.stop()

        async with ApiClient(run.backend.url, timeout=30) as direct:
            await direct.login("admin", ADMIN_PW)
            await issuer.wait()
            truth = {row.id: row for row in (await direct.users())[0]}
            try:
                await _until(lambda: console.model.all_rows() == truth, profile.converge_timeout)
                result.converge_s = time.monotonic() - recovered
            except TimeoutError:
                pass
            watching = False
            # `back` is noted up to 10 ms after the server started listening.
            live = [t for t in connected_at if t >= back - 0.02]
            if live:
                result.live_s = max(0.0, live[0] - back)
            result.mismatch = _diff(console.model.all_rows(), truth)
            result.lost_changes = len(result.mismatch)
            result.rows = len(truth)
            audit = await direct.audit(action="set-status", actor="supervisor", limit=5000)
        result.actions = issuer.records
        tags = Counter(
            str((entry.get("after") or {}).get("status_text"))
            for entry in audit
            if str((entry.get("after") or {}).get("status_text")).startswith("fault-")
        )
        result.audit_counts = dict(tags)
        await asyncio.sleep(0.1)  # let the status bar refresh after the last batch
        assert console.feed is not None
        assert console.window is not None
        result.final_state = console.feed.status.state.value
        result.final_banner = console.window.connection.banner.isVisible()
    finally:
        heartbeat.stop()
        result.max_stall_ms = heartbeat.max_late * 1000
        result.ticks = heartbeat.ticks
        result.states_during_fault = sorted(states)
        await console.shutdown()
        await client.aclose()
        if console.window is not None:
            console.window.close()


async def _until(check: Callable[[], bool], timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - a predicate of any state: polled
            await asyncio.sleep(0.05)


def _diff(shown: dict[int, UserRow], truth: dict[int, UserRow]) -> list[str]:
    out = []
    for uid in sorted(shown.keys() | truth.keys()):
        a, b = shown.get(uid), truth.get(uid)
        if a != b:
            va = None if a is None else a.version
            vb = None if b is None else b.version
            out.append(f"user {uid}: panel v{va}, backend v{vb}")
    return out


def format_table(results: list[ScenarioResult]) -> str:
    head = (
        f"{'scenario':<9} {'profile':<6} {'actions':>7} {'applied':>7} {'not':>4} "
        f"{'dup':>3} {'lost':>4} {'live':>7} {'converge':>8} {'max stall':>9}  faults injected"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        conv = f"{r.converge_s:.2f} s" if r.converge_s == r.converge_s else "NEVER"
        live = f"{r.live_s:.2f} s" if r.live_s == r.live_s else "-"
        lines.append(
            f"{r.name:<9} {r.profile:<6} {r.attempted:>7} {r.applied:>7} {r.not_applied:>4} "
            f"{r.duplicates:>3} {r.lost_changes:>4} {live:>7} {conv:>8} "
            f"{r.max_stall_ms:>6.0f} ms  {r.faults_text()}"
        )
    return "\n".join(lines)


def details(r: ScenarioResult) -> str:
    parts = [
        f"{r.name}: {DESCRIPTIONS[r.name]}",
        f"  rows {r.rows}, changes written {r.changes_written}, "
        f"states fault..converged {r.states_during_fault}, banner shown {r.banner_during_fault}, "
        f"after: {r.final_state}, banner {'shown' if r.final_banner else 'hidden'}",
        f"  actions retried {r.retried}, replayed answers "
        f"{sum(a.replayed for a in r.actions)}, unknown {r.unknown}, "
        f"answers through the proxy {dict(sorted(r.statuses_via_proxy.items()))}",
    ]
    parts += [f"  MISREPORTED {m}" for m in r.misreported]
    parts += [f"  DIFF {m}" for m in r.mismatch[:10]]
    with contextlib.suppress(Exception):
        reasons = Counter(
            a.reason.split(":")[0] for a in r.actions if a.outcome is not Outcome.APPLIED
        )
        if reasons:
            parts.append(f"  not applied because: {dict(reasons)}")
    return "\n".join(parts)
