"""`--demo`: the reference backend in a subprocess on a free loopback port, seeded.

Its output goes to a log file in a private temporary directory (a pipe nobody reads would
fill up and stall the server); the passwords are random and travel in the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HEALTH_PATH = "/api/v1/health"
LOG_TAIL_BYTES = 4000


class DemoError(RuntimeError):
    """The demo backend did not start; the message ends with the tail of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class DemoBackend:
    """Start with `await start()`, stop with `await stop()` (or use `async with`)."""

    def __init__(self, *, seed_users: int = 500, simulate: bool = True) -> None:
        self.seed_users = seed_users
        self.simulate = simulate
        self.admin_password = secrets.token_urlsafe(16)
        self.supervisor_password = secrets.token_urlsafe(16)
        self.port = 0
        self.dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"DemoBackend({self.base_url!r}, running={self.running})"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_path(self) -> Path | None:
        return None if self.dir is None else self.dir / "backend.log"

    def command(self) -> list[str]:
        assert self.dir is not None
        cmd = [sys.executable, "-m", "contact_center", "serve", "--db", str(self.dir / "demo.db")]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--seed-users", str(self.seed_users)]
        return cmd + (["--simulate"] if self.simulate else [])

    async def start(self, timeout: float = 30.0) -> None:
        """Launch the backend and return once it answers its health check."""
        self.dir = Path(tempfile.mkdtemp(prefix="supervisor-console-demo-"))
        self.port = free_port()
        env = dict(os.environ)
        env["CONTACT_CENTER_ADMIN_PASSWORD"] = self.admin_password
        env["CONTACT_CENTER_SUPERVISOR_PASSWORD"] = self.supervisor_password
        assert self.log_path is not None
        with self.log_path.open("wb") as log:  # the child keeps its own copy of the handle
            self._proc = subprocess.Popen(  # noqa: ASYNC220 - Popen returns at once; the exit is polled in _exited
                self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, cwd=self.dir,
            )  # fmt: skip
        try:
            await self._wait_healthy(timeout)
        except BaseException:
            await self.stop()
            raise

    async def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2.0) as http:
            while True:
                assert self._proc is not None
                if self._proc.poll() is not None:
                    code = self._proc.returncode
                    raise DemoError(f"The demo backend exited ({code}).\n{self.log_tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(HEALTH_PATH)).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise DemoError(f"The demo backend did not start in {timeout:.0f} s.\n"
                                    f"{self.log_tail()}")  # fmt: skip
                await asyncio.sleep(0.1)

    def log_tail(self) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - LOG_TAIL_BYTES))
            return log.read().decode(errors="replace")

    async def stop(self) -> None:
        """Terminate the backend (kill it after 5 s) and delete its temporary directory."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            if not await _exited(proc, 5.0):
                proc.kill()
                await _exited(proc, 5.0)
        if self.dir is not None:
            await asyncio.to_thread(shutil.rmtree, self.dir, True)
            self.dir = None

    async def __aenter__(self) -> DemoBackend:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def _exited(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    # Polling keeps the GUI loop free; a blocking wait() would freeze the window.
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
