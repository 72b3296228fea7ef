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
import enum
import gc
import logging
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication

from contact_center.sim.simulator import Simulator
from contact_center.storage.journal import current_cursor
from contact_center.storage.store import Store
from contact_center.testing.server import ServerThread
from supervisor_console.api.client import ApiClient, new_idempotency_key
from supervisor_console.api.errors import (
    ApiError,
    ConflictError,
    MalformedResponseError,
    NetworkError,
    ServerError,
)
from supervisor_console.api.types import ConnectionState, FeedStatus, Status, UserRow
from supervisor_console.feed import BACKOFF_INITIAL, BACKOFF_MAX
from supervisor_console.session import Console
from supervisor_console.views.main_window import MainWindow
from tests.faults.faultproxy import FaultProxy
from tests.support.accounts import ADMIN_PW, SUPER_PW

SCENARIOS = ("restart", "drops", "errors", "latency", "expired")


@dataclass(frozen=True)
class Profile:
    """How big and how long: `SHORT` for `make test`, `LONG` for --runslow and --long."""

    name: str
    users: int
    write_rate: float  # agent changes per second by the writer thread
    fault: float  # seconds the fault lasts (5xx, drops)
    latency: float  # seconds added to every answer in the latency scenario
    down: float  # seconds the backend stays down in the restart scenario
    stall: float  # seconds the console hears nothing before the 410 scenario's reconnect
    client_timeout: float
    feed_wait: float
    backoff_initial: float
    backoff_max: float
    action_every: float
    retain: int  # change-feed entries the backend keeps in the 410 scenario
    converge_timeout: float
    kill_every: float  # the drops scenario kills every open connection this often
    cut_share: float  # ... and cuts this share of answers part-way


# Short timeouts and polls, but the console's own backoff (its cap is what the recovery
# time after a restart depends on).
SHORT = Profile(
    "short", users=300, write_rate=40, fault=2.5, latency=2.0, down=1.5, stall=0.5,
    client_timeout=1.5, feed_wait=1.0, backoff_initial=BACKOFF_INITIAL,
    backoff_max=BACKOFF_MAX, action_every=0.4, retain=200, converge_timeout=20,
    kill_every=0.3, cut_share=0.3,
)  # fmt: skip
# The console's own defaults (10 s timeout, 25 s long poll, backoff 0.5 s .. BACKOFF_MAX).
LONG = Profile(
    "long", users=3000, write_rate=60, fault=20.0, latency=10.0, down=10.0, stall=8.0,
    client_timeout=10.0, feed_wait=25.0, backoff_initial=BACKOFF_INITIAL,
    backoff_max=BACKOFF_MAX, action_every=1.0, retain=2000, converge_timeout=90,
    kill_every=1.0, cut_share=0.3,
)  # fmt: skip


class Outcome(enum.Enum):
    APPLIED = "applied"
    NOT_APPLIED = "not applied"
    UNKNOWN = "unknown"  # gave up without a definite answer: must never happen


@dataclass
class ActionRecord:
    tag: str
    user_id: int
    outcome: Outcome = Outcome.UNKNOWN
    attempts: int = 0
    replayed: bool = False
    reason: str = ""


@dataclass
class ScenarioResult:
    name: str
    profile: str
    faults: dict[str, int | float] = field(default_factory=dict)
    actions: list[ActionRecord] = field(default_factory=list)
    audit_counts: dict[str, int] = field(default_factory=dict)  # tag -> audit records
    changes_written: int = 0
    lost_changes: int = -1  # rows that differ from the backend after convergence
    mismatch: list[str] = field(default_factory=list)
    converge_s: float = float("nan")
    # From the fault's end (the backend started again, the proxy accepting again) to the
    # feed's first Connected after it: the panel is live again.
    live_s: float = float("nan")
    status_texts: list[str] = field(default_factory=list)  # status bar while stale
    max_stall_ms: float = 0.0
    ticks: int = 0
    states_during_fault: list[str] = field(default_factory=list)
    banner_during_fault: bool = False
    banner_text: str = ""
    final_state: str = ""
    final_banner: bool = True
    statuses_via_proxy: dict[int, int] = field(default_factory=dict)
    rows: int = 0

    @property
    def attempted(self) -> int:
        return len(self.actions)

    @property
    def applied(self) -> int:
        return sum(a.outcome is Outcome.APPLIED for a in self.actions)

    @property
    def not_applied(self) -> int:
        return sum(a.outcome is Outcome.NOT_APPLIED for a in self.actions)

    @property
    def unknown(self) -> int:
        return sum(a.outcome is Outcome.UNKNOWN for a in self.actions)

    @property
    def retried(self) -> int:
        return sum(a.attempts > 1 for a in self.actions)

    @property
    def duplicates(self) -> int:
        return sum(max(0, n - 1) for n in self.audit_counts.values())

    @property
    def misreported(self) -> list[str]:
        """Actions whose audit trail disagrees with what the console reported."""
        wrong = []
        for a in self.actions:
            seen = self.audit_counts.get(a.tag, 0)
            expected = {Outcome.APPLIED: 1, Outcome.NOT_APPLIED: 0}.get(a.outcome)
            if expected is None or seen != expected:
                wrong.append(f"{a.tag}: reported {a.outcome.value}, audited {seen}x")
        return wrong

    def faults_text(self) -> str:
        return ", ".join(f"{k}={v:g}" for k, v in self.faults.items())


# -- the parts --------------------------------------------------------------------------


class Backend:
    """The backend, its database lock for restarts, and a writer that outlives restarts."""

    def __init__(self, db: Path, profile: Profile, retain: int = 200_000) -> None:
        self.server = ServerThread(db, seed_users=profile.users, retain_changes=retain)
        self.db = db
        self.retain = retain
        self.lock = threading.Lock()  # held across a stop and a start: no writer in between

    def start(self) -> None:
        with self.lock:
            self.server.start()

    def stop(self, grace: float = 0.2) -> None:
        """Stop like a process restart: open long polls are cut after `grace` seconds.

        (ServerThread.stop alone waits up to 15 s for a long poll to finish.) Uvicorn logs
        the cut requests as errors: expected here, so that logger is quiet meanwhile.
        """
        quiet = logging.getLogger("uvicorn.error")
        level = quiet.level
        with self.lock:
            uvicorn_server = getattr(self.server, "_server", None)
            if uvicorn_server is not None:
                uvicorn_server.config.timeout_graceful_shutdown = grace
            quiet.setLevel(logging.CRITICAL)
            try:
                self.server.stop()
            finally:
                quiet.setLevel(level)

    @property
    def url(self) -> str:
        return self.server.base_url


class Writer:
    """Simulated traffic written straight into the database, through the backend's own
    store while it runs (one SQLite writer lock) and through a private one while it is down.
    """

    def __init__(self, backend: Backend, rate: float, seed: int = 11) -> None:
        self.backend = backend
        self.rate = rate
        self.written = 0
        self.errors = 0
        self._private: Store | None = None
        self._sim: Simulator | None = None
        self._seed = seed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="writer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        if self._private is not None:
            self._private.dispose()
            self._private = None

    def burst(self, changes: int) -> int:
        """Write about `changes` changes now (from the caller's thread); returns how many."""
        done = 0
        while done < changes:
            done += self._step(min(changes - done, 250))
        return done

    def _loop(self) -> None:
        tick, carry = 0.05, 0.0
        while not self._stop.wait(tick):
            carry += self.rate * tick
            n, carry = int(carry), carry - int(carry)
            if n:
                self._step(n)

    def _step(self, n: int) -> int:
        with self.backend.lock:
            store = self.backend.server.store
            if store is None:
                if self._private is None:
                    self._private = Store(str(self.backend.db), retain_changes=self.backend.retain)
                store = self._private
            if self._sim is None:
                self._sim = Simulator(store, rate=0, seed=self._seed, stuck_rate=0.05)
            self._sim.store = store
            before = _seq(store)
            try:
                self._sim.step(n)
            except Exception:  # noqa: BLE001 - e.g. SQLite busy: the next tick tries again
                self.errors += 1
                return 0
            done = _seq(store) - before
            self.written += done
            return max(done, 1)


def _seq(store: Store) -> int:
    with store.read() as conn:
        return current_cursor(conn)[0]


class Heartbeat:
    """A precise QTimer on the GUI thread; lateness = gap between ticks minus the interval."""

    def __init__(self, interval_ms: int = 20, on_tick: Callable[[], None] | None = None) -> None:
        self.interval = interval_ms / 1000
        self.max_late = 0.0
        self.ticks = 0
        self._on_tick = on_tick
        self._last: float | None = None
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.max_late = max(self.max_late, now - self._last - self.interval)
        self._last = now
        self.ticks += 1
        if self._on_tick is not None:
            self._on_tick()


class ActionIssuer:
    """Supervisor actions the console's way: the row as the panel shows it is the
    precondition (expected status and If-Match version), one Idempotency-Key per action,
    retried with that key while the outcome is unknown (network error, 5xx, garbled)."""

    def __init__(self, console: Console, client: ApiClient, name: str, retry_for: float) -> None:
        self.console = console
        self.client = client
        self.name = name
        self.retry_for = retry_for
        self.records: list[ActionRecord] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self._used: set[int] = set()

    def issue(self) -> None:
        target = self._pick()
        if target is None:
            return
        record = ActionRecord(f"fault-{self.name}-{len(self.records) + 1}", target.id)
        self.records.append(record)
        task = asyncio.get_running_loop().create_task(self._run(record, target))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def wait(self) -> None:
        if self.tasks:
            await asyncio.gather(*list(self.tasks))

    def _pick(self) -> UserRow | None:
        for row in self.console.model.all_rows().values():
            if (
                row.role == "agent"
                and row.status is not Status.OFFLINE
                and row.id not in self._used
            ):
                self._used.add(row.id)
                return row
        return None

    async def _run(self, record: ActionRecord, seen: UserRow) -> None:
        body = {"expected_status": seen.status.value, "status": "other", "text": record.tag}
        headers = {"Idempotency-Key": new_idempotency_key(), "If-Match": str(seen.version)}
        deadline = time.monotonic() + self.retry_for
        delay = 0.1
        while True:
            record.attempts += 1
            try:
                answer = await self.client.request(
                    "PUT", f"/users/{seen.id}/status", json=body, headers=headers
                )
            except (NetworkError, ServerError, MalformedResponseError) as exc:
                record.reason = str(exc)
                if time.monotonic() > deadline:
                    return  # UNKNOWN
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
                continue
            except ConflictError as exc:
                record.outcome, record.reason = Outcome.NOT_APPLIED, str(exc)
                return
            except ApiError as exc:
                record.outcome, record.reason = Outcome.NOT_APPLIED, str(exc)
                return
            record.outcome = Outcome.APPLIED
            record.replayed = bool(isinstance(answer, dict) and answer.get("replayed"))
            return


# -- the faults ---------------------------------------------------------------------------


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
