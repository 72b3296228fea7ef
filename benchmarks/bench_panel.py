"""Live panel at 50,000 users: batch cost, re-sort, memory, GUI stalls, vs a plain proxy.

Prints figures, asserts nothing. Run: QT_QPA_PLATFORM=offscreen .venv/bin/python
benchmarks/bench_panel.py [--users N] [--backend-users N] (0 skips the backend run).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import QApplication, QTableView

from contact_center.testing.server import ServerThread
from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import ChangeBatch, UserRow
from supervisor_console.dev.samples import EPOCH, changed, random_row
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.panel.columns import Column

RNG = random.Random(42)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def make_rows(n: int) -> list[UserRow]:
    return [random_row(i, RNG) for i in range(1, n + 1)]


def next_batch(rows: dict[int, UserRow], size: int, cursor: int) -> ChangeBatch:
    picked = [changed(rows[i], RNG) for i in RNG.sample(sorted(rows), size)]
    rows.update({r.id: r for r in picked})
    return ChangeBatch(picked, [], cursor)


def memory_per_row(n: int) -> None:
    gc.collect()
    tracemalloc.start()
    rows = make_rows(n)
    rows_bytes = tracemalloc.get_traced_memory()[0]
    model = LivePanelModel(clock=lambda: EPOCH)
    model.apply(ChangeBatch(rows, [], 1, full=True))
    total = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        f"memory: rows {rows_bytes / n:6.0f} B/row, model overhead {(total - rows_bytes) / n:6.0f} B/row, total {total / n:6.0f} B/row (goal < 1 KB)"
    )


def time_apply(model: LivePanelModel, rows: dict[int, UserRow], repeats: int) -> list[float]:
    times = []
    for cursor in range(2, 2 + repeats):
        batch = next_batch(rows, 1000, cursor)
        start = time.perf_counter()
        model.apply(batch)
        times.append(time.perf_counter() - start)
    return times


def bench_model(n: int) -> tuple[float, float]:
    rows = {r.id: r for r in make_rows(n)}
    model = LivePanelModel(clock=lambda: EPOCH)
    view = QTableView()
    view.setModel(model)
    view.resize(1400, 800)
    view.show()
    model.apply(ChangeBatch(list(rows.values()), [], 1, full=True))
    start = time.perf_counter()
    model.sort(Column.STATUS, Qt.SortOrder.AscendingOrder)
    resort = time.perf_counter() - start
    QApplication.processEvents()
    times = time_apply(model, rows, 10)
    QApplication.processEvents()
    apply_median = statistics.median(times)
    print(f"in-model : re-sort by status {ms(resort)} (goal < 100 ms)")
    print(
        f"in-model : apply 1,000 changes, sorted by status: median {ms(apply_median)}, max {ms(max(times))} (goal < 20 ms)"
    )
    view.close()
    return resort, apply_median


def bench_proxy(n: int) -> tuple[float, float]:
    rows = {r.id: r for r in make_rows(n)}
    model = LivePanelModel(clock=lambda: EPOCH)
    model.apply(ChangeBatch(list(rows.values()), [], 1, full=True))
    model.coalesce_changes = False  # fair to the proxy: one dataChanged per run
    proxy = QSortFilterProxyModel()
    proxy.setSortRole(LivePanelModel.SortRole)
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.resize(1400, 800)
    view.show()
    start = time.perf_counter()
    proxy.sort(Column.STATUS, Qt.SortOrder.AscendingOrder)
    resort = time.perf_counter() - start
    QApplication.processEvents()
    times = time_apply(model, rows, 3)
    QApplication.processEvents()
    apply_median = statistics.median(times)
    print(f"proxy    : re-sort by status {ms(resort)}")
    print(
        f"proxy    : apply 1,000 changes, sorted by status: median {ms(apply_median)}, max {ms(max(times))}"
    )
    view.close()
    return resort, apply_median


def bench_stalls(n: int, seconds: float, use_proxy: bool) -> None:
    """Heartbeat every 5 ms while 100 changes arrive every 100 ms (1,000/s)."""
    rows = {r.id: r for r in make_rows(n)}
    model = LivePanelModel()
    model.apply(ChangeBatch(list(rows.values()), [], 1, full=True))
    view = QTableView()
    if use_proxy:
        model.coalesce_changes = False
        proxy = QSortFilterProxyModel()
        proxy.setSortRole(LivePanelModel.SortRole)
        proxy.setSourceModel(model)
        view.setModel(proxy)
        proxy.sort(Column.STATUS)
    else:
        view.setModel(model)
        model.sort(Column.STATUS)
    view.resize(1400, 800)
    view.show()
    gaps = _heartbeat(model, rows, seconds)
    gaps.sort()
    p99 = gaps[int(len(gaps) * 0.99)]
    name = "proxy   " if use_proxy else "in-model"
    print(
        f"{name} : GUI stall at 1,000 changes/s: p99 {ms(p99)}, max {ms(gaps[-1])} (goals < 16 / < 50 ms)"
    )
    view.close()


def _heartbeat(model: LivePanelModel, rows: dict[int, UserRow], seconds: float) -> list[float]:
    app = QApplication.instance()
    assert app is not None
    clock = QElapsedTimer()
    clock.start()
    gaps: list[float] = []
    last = [clock.nsecsElapsed()]
    cursor = [2]

    def beat() -> None:
        now = clock.nsecsElapsed()
        gaps.append(max(0.0, (now - last[0]) / 1e9 - 0.005))
        last[0] = now

    def feed() -> None:
        model.apply(next_batch(rows, 100, cursor[0]))
        cursor[0] += 1

    timers = [_timer(5, beat), _timer(100, feed), _timer(1000, model.tick)]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.0005)
    for timer in timers:
        timer.stop()
    return gaps


def _timer(interval: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(interval)
    timer.timeout.connect(slot)
    timer.start()
    return timer


def bench_backend(n: int) -> None:
    """Start-to-populated time against the real backend (ServerThread)."""
    with tempfile.TemporaryDirectory() as tmp:
        seed_start = time.perf_counter()
        server = ServerThread(f"{tmp}/bench.db", seed_users=n).start()
        print(
            f"backend  : seeding {n:,} users took {time.perf_counter() - seed_start:.1f} s (not counted)"
        )
        try:
            asyncio.run(_populate(ApiClient, server.base_url, n))
        finally:
            server.stop()


async def _populate(client_cls: type, base_url: str, n: int) -> None:
    start = time.perf_counter()
    async with client_cls(base_url) as client:
        await client.login("admin", "admin-pw")
        rows, cursor = await client.users()
    fetched = time.perf_counter()
    model = LivePanelModel()
    model.apply(ChangeBatch(rows, [], cursor, full=True))
    done = time.perf_counter()
    print(
        f"backend  : sign-in + snapshot of {len(rows):,} users {ms(fetched - start)}, model fill {ms(done - fetched)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--stall-seconds", type=float, default=5.0)
    parser.add_argument("--backend-users", type=int, default=20_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    print(f"Live panel benchmark, {args.users:,} users, Python {sys.version.split()[0]}")
    memory_per_row(args.users)
    resort, apply_time = bench_model(args.users)
    proxy_resort, proxy_apply = bench_proxy(args.users)
    print(
        f"ratio    : proxy / in-model: re-sort {proxy_resort / resort:5.1f}x, apply {proxy_apply / apply_time:5.1f}x"
    )
    bench_stalls(args.users, args.stall_seconds, use_proxy=False)
    bench_stalls(args.users, args.stall_seconds, use_proxy=True)
    if args.backend_users:
        bench_backend(args.backend_users)
    del app


if __name__ == "__main__":
    main()
