"""Time limits at 50,000 agents (issue 15): what judging every changed row against the
thresholds adds to a batch of 1,000 changes, and what the 1 s tick's escalation costs,
side by side with the same model without limits. Prints figures, asserts nothing.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_limits [--users N]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from supervisor_console.api.types import ChangeBatch, Limit, Thresholds, UserRow
from supervisor_console.dev.samples import EPOCH, changed, random_row
from supervisor_console.models.panel import LivePanelModel

LIMITS = Thresholds(
    1,
    {
        "break": Limit(900, 1200), "dnd": Limit(600, 1200), "meeting": Limit(3600, 5400),
        "other": Limit(900, 1800), "unavailable": Limit(120, 300), "call": Limit(600, 1200),
        "stuck": Limit(60, 300),
    },
)  # fmt: skip


def run(users: int, batches: int, with_limits: bool) -> tuple[list[float], list[float]]:
    rng = random.Random(42)
    rows: dict[int, UserRow] = {i: random_row(i, rng) for i in range(1, users + 1)}
    clock = [EPOCH]
    model = LivePanelModel(clock=lambda: clock[0])
    model.apply(ChangeBatch(list(rows.values()), [], 1, full=True))
    if with_limits:
        model.set_thresholds(LIMITS)
    apply_ms: list[float] = []
    tick_ms: list[float] = []
    ids = sorted(rows)
    for n in range(batches):
        picked = [changed(rows[i], rng) for i in rng.sample(ids, 1000)]
        rows.update({r.id: r for r in picked})
        started = time.perf_counter()
        model.apply(ChangeBatch(picked, [], n + 2))
        apply_ms.append((time.perf_counter() - started) * 1000)
        clock[0] += timedelta(seconds=1)
        started = time.perf_counter()
        model.tick()
        tick_ms.append((time.perf_counter() - started) * 1000)
    return apply_ms, tick_ms


def p99(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.99) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--batches", type=int, default=60)
    args = parser.parse_args()
    QApplication.instance() or QApplication([])
    plain_apply, plain_tick = run(args.users, args.batches, with_limits=False)
    limit_apply, limit_tick = run(args.users, args.batches, with_limits=True)
    print(f"time limits at {args.users:,} agents, batches of 1,000 changes, one tick per batch")
    for label, plain, limited in (
        ("batch apply", plain_apply, limit_apply),
        ("1 s tick", plain_tick, limit_tick),
    ):
        print(
            f"  {label:12s} median {statistics.median(plain):6.2f} ms -> "
            f"{statistics.median(limited):6.2f} ms with limits "
            f"(x{statistics.median(limited) / statistics.median(plain):.2f}); "
            f"p99 {p99(plain):6.2f} -> {p99(limited):6.2f} ms"
        )
    extra = statistics.median(limit_apply) - statistics.median(plain_apply)
    print(f"  limits add {extra:.2f} ms to a batch of 1,000 changes (goal: stall p99 < 16 ms)")


if __name__ == "__main__":
    main()
