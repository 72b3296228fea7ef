"""Summary bar counts (issue 15) at 50,000 agents: the cost per batch of 1,000 changes.

Prints, side by side: the counts alone (what the model's hooks do for one batch), the
model's whole batch apply with and without the counts, and a full recount of the floor
(what a bar that rescanned the rows would pay per batch). Goal: counts < 2 ms per batch.
Asserts nothing. Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_summary.py
[--users N] [--batches N] [--size N]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time
from collections.abc import Iterable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from supervisor_console.api.types import ChangeBatch, Status, UserRow
from supervisor_console.dev.samples import EPOCH, changed, random_row
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.panel.columns import Column
from supervisor_console.panel.filters import PanelFilter
from supervisor_console.panel.summary import StatusCounts, recount

FILTER = PanelFilter(statuses=frozenset({Status.BUSY, Status.UNAVAILABLE, Status.BREAK}))


class NoCounts(StatusCounts):
    """The model's hooks made free: the apply "without the counts"."""

    def note(self, row: UserRow, stuck: bool, shown: bool) -> None:
        pass

    def forget(self, user_id: int) -> None:
        pass

    def set_shown(self, user_id: int, shown: bool) -> None:
        pass

    def rebuild(self, rows: Iterable[tuple[UserRow, bool, bool]]) -> None:
        pass


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.3f} ms"


def p99(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def figures(name: str, times: list[float], note: str = "") -> None:
    print(f"{name:<34}: median {ms(statistics.median(times))}, p99 {ms(p99(times))}{note}")


def make_batches(
    rows: dict[int, UserRow], count: int, size: int, rng: random.Random
) -> list[ChangeBatch]:
    rows = dict(rows)
    batches = []
    for cursor in range(2, 2 + count):
        picked = [changed(rows[i], rng) for i in rng.sample(sorted(rows), size)]
        rows.update({r.id: r for r in picked})
        batches.append(ChangeBatch(picked, [], cursor))
    return batches


def model_of(rows: list[UserRow], counts: bool) -> LivePanelModel:
    model = LivePanelModel(clock=lambda: EPOCH)
    if not counts:
        model.summary = NoCounts()
    model.sort(Column.STATUS)
    model.set_filter(FILTER)
    model.apply(ChangeBatch(rows, [], 1, full=True))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    _app = QApplication.instance() or QApplication([])
    rng = random.Random(42)
    rows = [random_row(i, rng) for i in range(1, args.users + 1)]
    batches = make_batches({r.id: r for r in rows}, args.batches, args.size, rng)
    with_counts, without = model_of(rows, True), model_of(rows, False)

    # Counts alone: the same calls the hooks make, on a copy of the counts, per batch.
    alone = StatusCounts()
    alone.rebuild(
        (r, with_counts.stuck_reason(r.id) is not None, FILTER.matches(r, False)) for r in rows
    )
    gc.collect()
    gc.disable()
    t_with: list[float] = []
    t_without: list[float] = []
    t_alone: list[float] = []
    t_recount: list[float] = []
    for index, batch in enumerate(batches):
        models = [(with_counts, t_with), (without, t_without)]
        for model, times in models if index % 2 else models[::-1]:  # alternate who goes first
            start = time.perf_counter()
            model.apply(batch)
            times.append(time.perf_counter() - start)
        stuck_marks = [with_counts.stuck_reason(row.id) is not None for row in batch.changed]
        calls = [
            (row, stuck, FILTER.matches(row, stuck))
            for row, stuck in zip(batch.changed, stuck_marks, strict=True)
        ]
        start = time.perf_counter()
        for row, stuck, shown in calls:
            alone.note(row, stuck, shown)
        t_alone.append(time.perf_counter() - start)
        if index % 5 == 0:
            held = with_counts.all_rows().values()
            shown_ids = {r.id for r in with_counts.shown_rows()}
            triples = [
                (r, with_counts.stuck_reason(r.id) is not None, r.id in shown_ids) for r in held
            ]
            start = time.perf_counter()
            recount(triples)
            t_recount.append(time.perf_counter() - start)
    gc.enable()

    full = recount(
        (
            r,
            with_counts.stuck_reason(r.id) is not None,
            r.id in {s.id for s in with_counts.shown_rows()},
        )
        for r in with_counts.all_rows().values()
    )
    same = (
        full.floor.as_dict() == with_counts.summary.floor.as_dict()
        and full.shown.as_dict() == with_counts.summary.shown.as_dict()
        and alone.floor.as_dict() == full.floor.as_dict()
    )
    print(
        f"summary counts: {args.users:,} agents, {len(batches)} batches of {args.size:,} changes, "
        f"sorted by status, filter {sorted(s.label for s in FILTER.statuses)}"
    )
    figures("counts alone (hooks' calls)", t_alone, "  (goal < 2 ms)")
    figures("model apply, with the counts", t_with)
    figures("model apply, without the counts", t_without)
    extra = [a - b for a, b in zip(t_with, t_without, strict=True)]
    ratio = statistics.median(t_alone) / statistics.median(t_without)
    print(
        f"{'apply with - without':<34}: median {ms(statistics.median(extra))}; "
        f"counts / apply without = {ratio:.1%}"
    )
    figures("full recount (not done per batch)", t_recount, f"  ({len(t_recount)} runs)")
    print(f"incremental counts equal a full recount after the run: {same}")


if __name__ == "__main__":
    main()
