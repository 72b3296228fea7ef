"""`python -m contact_center serve` itself (issue 12, items 5 and 7): X-Forwarded-For is
believed only from `--forwarded-allow-ips`, and an unexpected error reaches the log, with
its request id, rather than the client."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ADMIN_PW = "admin-pw"
SUPER_PW = "super-pw"
PER_ADDRESS = 20  # failed sign-ins an address may make per minute (docs/API.md)


@contextmanager
def serve(workdir: Path, *args: str) -> Iterator[tuple[httpx.Client, Path]]:
    """The backend as `serve` runs it; yields a client of its API and its stderr file."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    db = workdir / "cc.db"
    cmd = [sys.executable, "-m", "contact_center", "serve", "--db", str(db), "--port", str(port),
           "--admin-password", ADMIN_PW, "--supervisor-password", SUPER_PW, *args]  # fmt: skip
    log = workdir / "stderr.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=dict(os.environ))
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
            yield client, log
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _login(client: httpx.Client, username: str, password: str, forwarded: str) -> int:
    r = client.post(
        "/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": forwarded},
    )
    return r.status_code


def test_serve_ignores_forwarded_for_by_default(tmp_path: Path) -> None:
    """From 127.0.0.1 (which uvicorn trusts by default) a client claiming a new address for
    each attempt still spends one address's failures."""
    with serve(tmp_path) as (client, _):
        for i in range(PER_ADDRESS):
            assert _login(client, f"nobody-{i}", "wrong", f"198.51.100.{i}") == 401
        assert _login(client, "admin", ADMIN_PW, "198.51.100.250") == 429


def test_serve_believes_forwarded_for_from_allowed_proxies(tmp_path: Path) -> None:
    with serve(tmp_path, "--forwarded-allow-ips", "127.0.0.1") as (client, _):
        for i in range(PER_ADDRESS):
            assert _login(client, f"nobody-{i}", "wrong", "198.51.100.1") == 401
        assert _login(client, "admin", ADMIN_PW, "198.51.100.1") == 429
        assert _login(client, "admin", ADMIN_PW, "198.51.100.2") == 200


def test_serve_logs_an_unexpected_error_with_its_request_id(tmp_path: Path) -> None:
    with serve(tmp_path) as (client, log):
        with sqlite3.connect(tmp_path / "cc.db") as db:  # every new token now fails to insert
            db.execute(
                "CREATE TRIGGER injected_failure BEFORE INSERT ON api_tokens "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )
        db.close()
        r = client.post("/auth/login", json={"username": "admin", "password": ADMIN_PW})
        assert r.status_code == 500, r.text
        request_id = r.headers["X-Request-ID"]
        assert r.json()["request_id"] == request_id
        for word in ("SQL", "INSERT", "injected", "Traceback", "api_tokens"):
            assert word not in r.text, word
        deadline = time.monotonic() + 10
        while "injected failure" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    text = log.read_text()
    assert f"request {request_id} (POST /api/v1/auth/login) failed" in text, text
    assert "Traceback" in text
    assert "injected failure" in text
    # Answered by our handler: not a second traceback from uvicorn.
    assert "Exception in ASGI application" not in text
