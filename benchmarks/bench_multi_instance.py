"""Two backend instances on one PostgreSQL: write-to-delivery latency with many consoles.

Starts a throwaway PostgreSQL cluster (or uses --pg URL of a server where it may create a
database), seeds N users, runs two `contact-center serve` instances and a dedicated writer
process (--rate changes/s: 20 transactions a second, each changing rate/20 random agents'
status), and 200 simulated consoles (asyncio, each its own keep-alive HTTP/1.1
connection) long-polling /changes, half on each
instance. Latency of a change = the time its row arrives at a console minus the row's
`changed_at` (set inside the writer's transaction, before its commit). Prints p50/p99 per
instance and the CPU time each process used. Asserts nothing.

Usage: python benchmarks/bench_multi_instance.py [--users 50000] [--rate 1000]
       [--consoles 200] [--seconds 20] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

ADMIN_PW, SUPER_PW = "bench-admin", "bench-super"
CHANGED_AT = re.compile(rb'"changed_at":"([^"]+)"')
CURSOR = re.compile(rb'"cursor":\s*(\d+)')
CONTENT_LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (and its reaped children) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / TICKS


def postgres_cpu(cluster: Any) -> float:
    """CPU of the throwaway cluster: the postmaster, its live children and reaped ones."""
    if cluster is None:
        return 0.0
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    total = cpu_seconds(postmaster)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == postmaster:
                total += cpu_seconds(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return total


def writer_main(url: str, rate: float, seconds: float, ticks: float = 20.0) -> None:
    """The dedicated writer: every 1/ticks s one transaction sets rate/ticks random agents'
    status (the way the simulator's steps do, in fewer statements), each a feed change."""
    # Function-level: the console workers run this script too and stay light (httpx only,
    # no SQLAlchemy or backend), so their CPU figures measure the long poll alone.
    from sqlalchemy import select, update  # noqa: PLC0415

    from contact_center.storage.clock import now  # noqa: PLC0415
    from contact_center.storage.journal import touch  # noqa: PLC0415
    from contact_center.storage.store import Store  # noqa: PLC0415
    from contact_center.storage.tables import users  # noqa: PLC0415

    store = Store(url)
    rng = random.Random(11)
    with store.read() as conn:
        ids = [r[0] for r in conn.execute(select(users.c.id).where(users.c.role == "agent"))]
    per_tick = max(1, round(rate / ticks))
    statuses = ["available", "break", "dnd", "meeting", "unavailable"]
    started = time.monotonic()
    tick = 0
    while (elapsed := time.monotonic() - started) < seconds:
        picked = rng.sample(ids, per_tick)
        with store.write() as conn:
            t = now()
            conn.execute(
                update(users)
                .where(users.c.id.in_(picked))
                .values(status=rng.choice(statuses), status_since=t, last_activity=t)
            )
            touch(conn, picked, "writer")
        tick += 1
        time.sleep(max(0.0, tick / ticks - elapsed - (time.monotonic() - started - elapsed)))
    store.dispose()


def start_instance(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "contact_center", "serve", "--db", url, "--port", str(port),
           "--admin-password", ADMIN_PW, "--supervisor-password", SUPER_PW]  # fmt: skip
    return subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"instance exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("instance did not come up")


class Console:
    """One console: a keep-alive HTTP/1.1 connection long-polling /changes.

    A minimal client on asyncio streams, not httpx: 100 consoles in one process with httpx
    cost more CPU than the instance serving them, and a saturated load generator measures
    its own queueing. The arrival time is taken when the whole answer is in; its rows are
    parsed after the run (answers shared by the consoles at one cursor are parsed once).
    """

    def __init__(
        self, base: str, token: str, cursor: int, arrivals: list[tuple[float, bytes]]
    ) -> None:
        url = httpx.URL(base)
        self.host, self.port = url.host, url.port or 80
        self.token = token
        self.cursor = cursor
        self.arrivals = arrivals
        self.errors = 0
        self.seen: dict[bytes, bytes] = {}
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def _get(self, target: str) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n"
                     f"Authorization: Bearer {self.token}\r\n\r\n".encode())  # fmt: skip
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        match = CONTENT_LENGTH.search(head)
        if match is None:
            raise ConnectionError("answer without Content-Length")
        return status, await reader.readexactly(int(match.group(1)))

    async def run(self, until: float) -> None:
        while time.time() < until:
            wait = min(25.0, until - time.time())
            try:
                status, body = await asyncio.wait_for(
                    self._get(f"/api/v1/changes?since={self.cursor}&wait={wait:.3f}"), wait + 30
                )
            except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError):
                self.errors += 1
                if self._streams is not None:
                    self._streams[1].close()
                self._streams = None
                await asyncio.sleep(0.5)
                continue
            arrived = time.time()
            if status != 200:
                self.errors += 1
                await asyncio.sleep(0.5)
                continue
            match = CURSOR.search(body, max(0, len(body) - 200))
            if match:
                self.cursor = int(match.group(1))
            # Equal answers kept once: 100 consoles' copies of each would take gigabytes.
            self.arrivals.append((arrived, self.seen.setdefault(body, body)))
        if self._streams is not None:
            self._streams[1].close()


async def run_consoles(
    base: str, token: str, cursor: int, n: int, warmup: float, seconds: float
) -> None:
    """One worker process: `n` consoles on one instance. Says `ready`, waits for `go`, then
    prints one JSON line of figures."""
    arrivals: list[tuple[float, bytes]] = []
    consoles = [Console(base, token, cursor, arrivals) for _ in range(n)]
    seen: dict[bytes, bytes] = {}
    for c in consoles:
        c.seen = seen
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    start, cpu0 = time.time(), time.process_time()
    await asyncio.gather(*(c.run(start + warmup + seconds) for c in consoles))
    cpu = time.process_time() - cpu0
    measure_from = start + warmup
    stamps: dict[bytes, list[float]] = {}  # the same answer object is parsed once
    latencies: list[float] = []
    rows = 0
    for arrived, body in arrivals:
        written = stamps.get(body)
        if written is None:
            written = stamps[body] = [
                datetime.fromisoformat(s.decode()).timestamp() for s in CHANGED_AT.findall(body)
            ]
        rows += len(written)
        latencies.extend(arrived - w for w in written if w >= measure_from)
    figures = {
        "measured": len(latencies),
        "rows": rows,
        "answers": len(arrivals),
        "errors": sum(c.errors for c in consoles),
        "p50": pct(latencies, 50),
        "p99": pct(latencies, 99),
        "max": max(latencies, default=float("nan")),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "cpu": cpu,
    }
    print(json.dumps(figures), flush=True)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="simulated changes per second")
    parser.add_argument("--consoles", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--pg", help="URL of a PostgreSQL maintenance database (default: throwaway)"
    )
    parser.add_argument(
        "--writer", nargs=3, metavar=("URL", "RATE", "SECONDS"), help=argparse.SUPPRESS
    )
    parser.add_argument("--consoles-worker", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.consoles_worker:
        base, token, cursor, n, warmup, seconds = args.consoles_worker
        token = token.removeprefix("t:")  # prefixed: a token may start with "-"
        asyncio.run(run_consoles(base, token, int(cursor), int(n), float(warmup), float(seconds)))
        return
    if args.writer:
        writer_main(args.writer[0], float(args.writer[1]), float(args.writer[2]))
        return

    # Function-level, as in writer_main: the console workers import no backend.
    from contact_center.sim.seed import seed  # noqa: PLC0415
    from contact_center.storage.store import Store  # noqa: PLC0415
    from contact_center.testing.pgcluster import (  # noqa: PLC0415
        Cluster,
        create_database,
        drop_database,
        free_port,
    )

    cluster = None
    admin_url = args.pg
    if admin_url is None:
        cluster = Cluster().start()
        admin_url = cluster.url()
    name = f"bench_multi_{os.getpid()}"
    url = create_database(admin_url, name)
    procs: list[subprocess.Popen[bytes]] = []
    logs = Path(tempfile.mkdtemp(prefix="bench-multi-"))
    try:
        started = time.perf_counter()
        store = Store(url)
        seed(store, args.users, ADMIN_PW, SUPER_PW)
        with store.write() as conn:
            conn.exec_driver_sql("ANALYZE")
        store.dispose()
        print(f"PostgreSQL {admin_url.rpartition('@')[2]}: migrated and seeded {args.users} users "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        ports = [free_port(), free_port()]
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for i, port in enumerate(ports):
            procs.append(start_instance(url, port, logs / f"instance{i}.log"))
        for base, proc in zip(bases, procs, strict=True):
            wait_healthy(base, proc)
        tokens = []
        for base in bases:
            r = httpx.post(f"{base}/api/v1/auth/login",
                           json={"username": "supervisor", "password": SUPER_PW}, timeout=30)  # fmt: skip
            r.raise_for_status()
            tokens.append(r.json()["token"])
        for base, token in zip(bases, tokens, strict=True):
            t = time.perf_counter()
            r = httpx.get(f"{base}/api/v1/users", headers={"Authorization": f"Bearer {token}"},
                          timeout=120)  # fmt: skip
            print(f"snapshot of {args.users} users from {base}: {time.perf_counter() - t:.2f} s, "
                  f"{len(r.content) / 1e6:.1f} MB")  # fmt: skip
        cursor = int(CURSOR.findall(r.content)[-1])
        total = args.warmup + args.seconds
        # Consoles in one process per instance, so that parsing answers is not the bottleneck.
        workers = []
        for base, token in zip(bases, tokens, strict=True):
            cmd = [sys.executable, __file__, "--consoles-worker", base, "t:" + token, str(cursor),
                   str(args.consoles // 2), str(args.warmup), str(args.seconds)]  # fmt: skip
            workers.append(
                subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            )
        procs.extend(workers)  # type: ignore[arg-type]
        for w in workers:
            assert w.stdout is not None
            assert w.stdout.readline().strip() == "ready"
        writer = subprocess.Popen(
            [sys.executable, __file__, "--writer", url, str(args.rate), str(total + 1)],
            stdout=(logs / "writer.log").open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        procs.append(writer)
        watched = [procs[0], procs[1], writer]
        cpu_before = [cpu_seconds(p.pid) for p in watched] + [postgres_cpu(cluster)]
        t0 = time.perf_counter()
        for w in workers:
            assert w.stdin is not None
            w.stdin.write("go\n")
            w.stdin.flush()
        results = []
        for w in workers:
            assert w.stdout is not None
            results.append(json.loads(w.stdout.readline()))
        wall = time.perf_counter() - t0
        cpu_after = [cpu_seconds(p.pid) for p in watched] + [postgres_cpu(cluster)]
        engine = Store(url).engine
        with engine.connect() as conn:
            seq = conn.exec_driver_sql("SELECT seq FROM feed_state").scalar_one()
        engine.dispose()
        print(f"{args.consoles} consoles ({args.consoles // 2} per instance), writer at "
              f"{args.rate:.0f} changes/s, {args.warmup:.0f} s warm-up + {args.seconds:.0f} s measured; "
              f"{seq - cursor} changes written ({(seq - cursor) / wall:.0f}/s), {os.cpu_count()} cores")  # fmt: skip
        for i, (base, f) in enumerate(zip(bases, results, strict=True)):
            print(f"  instance {i} ({base}): {f['measured']} deliveries measured, {f['rows']} rows "
                  f"received in {f['answers']} answers, {f['errors']} errors; latency p50 {f['p50'] * 1000:.0f} ms, "
                  f"p99 {f['p99'] * 1000:.0f} ms, max {f['max'] * 1000:.0f} ms, mean {f['mean'] * 1000:.0f} ms")  # fmt: skip
        names = ["instance 0", "instance 1", "writer", "PostgreSQL (all backends)"]
        print(f"CPU over {wall:.1f} s (100% = one core):")
        for label, before, after in zip(names, cpu_before, cpu_after, strict=True):
            if label.startswith("PostgreSQL") and cluster is None:
                continue
            print(f"  {label}: {after - before:.1f} s = {100 * (after - before) / wall:.0f}%")
        for i, f in enumerate(results):
            print(
                f"  consoles of instance {i} (one process): {f['cpu']:.1f} s = {100 * f['cpu'] / wall:.0f}%"
            )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        drop_database(admin_url, name)
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
