"""The pieces of the fault scenarios (fault_scenarios.py): profiles and results, the
backend with its writer, the GUI heartbeat, and the action issuer."""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, QTimer

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
from supervisor_console.api.types import Status, UserRow
from supervisor_console.feed import BACKOFF_INITIAL, BACKOFF_MAX
from supervisor_console.session import Console

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
