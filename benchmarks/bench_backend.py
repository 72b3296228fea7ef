"""Backend figures: seed time, /users time at N users, write-to-long-poll latency.

Runs the real server as a subprocess on 127.0.0.1 (as deployed), prints figures, asserts nothing.
Usage: python benchmarks/bench_backend.py [--users 50000]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    db: Path, users: int, port: int, log: Path
) -> tuple[subprocess.Popen[bytes], float]:
    env = {
        **os.environ,
        "CONTACT_CENTER_ADMIN_PASSWORD": "bench-admin",
        "CONTACT_CENTER_SUPERVISOR_PASSWORD": "bench-super",
    }
    cmd = [
        sys.executable,
        "-m",
        "contact_center",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        "--seed-users",
        str(users),
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).raise_for_status()
            return proc, time.perf_counter() - started
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise SystemExit(log.read_text()) from None
            time.sleep(0.05)


def measure_snapshot(client: httpx.Client, rounds: int = 5) -> tuple[float, float, int]:
    server, total = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = client.get("/users")
        t1 = time.perf_counter()
        r.json()
        server.append(t1 - t0)
        total.append(time.perf_counter() - t0)
    return statistics.median(server), statistics.median(total), len(r.content)


def measure_feed(base: str, headers: dict[str, str], rounds: int = 40) -> list[float]:
    poller = httpx.Client(base_url=base, headers=headers, timeout=60)
    writer = httpx.Client(base_url=base, headers=headers, timeout=60)
    snap = poller.get("/users").json()
    cursor = snap["cursor"]
    agents = [u for u in snap["users"] if u["status"] != "offline" and u["role"] == "agent"]
    latencies = []
    for user in agents[:rounds]:
        answered: dict[str, object] = {}

        def poll(answered: dict[str, object] = answered, cursor: int = cursor) -> None:
            r = poller.get("/changes", params={"since": cursor, "wait": 10})
            answered["at"] = time.perf_counter()
            answered["cursor"] = r.json()["cursor"]

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.1)  # the poll is now waiting
        written = time.perf_counter()
        status = "meeting" if user["status"] != "meeting" else "break"
        writer.put(f"/users/{user['id']}/status", json={"status": status})
        t.join()
        latencies.append(float(answered["at"]) - written)  # type: ignore[arg-type]
        cursor = answered["cursor"]
    poller.close()
    writer.close()
    return sorted(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc, ready = start_server(Path(tmp) / "bench.db", args.users, port, Path(tmp) / "log")
        try:
            base = f"http://127.0.0.1:{port}/api/v1"
            token = httpx.post(
                f"{base}/auth/login", json={"username": "admin", "password": "bench-admin"}
            ).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            time.sleep(3)  # let the start-up cache warm-up finish
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                server_s, total_s, size = measure_snapshot(client)
            lat = measure_feed(base, headers)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"users: {args.users}")
    print(f"seed + start to healthy: {ready:.2f} s")
    print(
        f"GET /users: {server_s * 1000:.0f} ms to receive, {total_s * 1000:.0f} ms incl. client JSON parse, {size / 1e6:.1f} MB"
    )

    def q(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

    print(
        f"write -> waiting long poll answered: p50 {q(0.5):.1f} ms, p90 {q(0.9):.1f} ms, max {lat[-1] * 1000:.1f} ms (n={len(lat)})"
    )


if __name__ == "__main__":
    main()
