"""A real backend in a thread on 127.0.0.1, for tests and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from contact_center.api.app import create_app, proxy_options
from contact_center.domain.outbox import Backoff, MailSettings
from contact_center.sim.seed import is_empty, seed
from contact_center.sim.simulator import Simulator
from contact_center.storage.store import Store


class ServerThread:
    """Serve the API from a thread; stop and start again on the same db and port to restart."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        port: int = 0,
        seed_users: int = 0,
        simulate: bool = False,
        sim_rate: float = 20.0,
        admin_password: str = "admin-pw",
        supervisor_password: str = "super-pw",
        retain_changes: int = 200_000,
        forwarded_allow_ips: str | None = None,
        smtp_url: str | None = None,
        smtp_from: str = "supervisor-console@localhost",
        public_url: str | None = None,
        outbox_backoff: Backoff | None = None,
        require_2fa: str | Iterable[str] = (),
    ) -> None:
        self.db = str(db_path)
        self.port = port
        self.seed_users = seed_users
        self.simulate = simulate
        self.sim_rate = sim_rate
        self.admin_password = admin_password
        self.supervisor_password = supervisor_password
        self.retain_changes = retain_changes
        # As `serve --forwarded-allow-ips`: by default X-Forwarded-For is ignored.
        self.forwarded_allow_ips = forwarded_allow_ips
        # As `serve --smtp-url/--smtp-from/--public-url` (public_url: this server's URL).
        self.smtp_url = smtp_url
        self.smtp_from = smtp_from
        self.public_url = public_url
        self.outbox_backoff = outbox_backoff or Backoff()
        # Roles that must set up 2FA, as `serve --require-2fa`: "admin,supervisor" or a list.
        if isinstance(require_2fa, str):
            require_2fa = [r.strip() for r in require_2fa.split(",") if r.strip()]
        self.require_2fa = frozenset(require_2fa)
        self.store: Store | None = None
        self.app: FastAPI | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServerThread:
        self.store = Store(self.db, retain_changes=self.retain_changes)
        if is_empty(self.store):
            seed(self.store, self.seed_users, self.admin_password, self.supervisor_password)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit it: without it every keep-alive answer waits ~40 ms
        # (Nagle on the server's split header/body writes against the client's delayed ACK).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        services = [Simulator(self.store, rate=self.sim_rate)] if self.simulate else []
        mail = MailSettings(
            public_url=self.public_url or self.base_url, smtp_url=self.smtp_url,
            sender=self.smtp_from, backoff=self.outbox_backoff,
        )  # fmt: skip
        self.app = create_app(self.store, services, mail, require_2fa=self.require_2fa)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            lifespan="on",
            # Open long polls must not hold a stop (a simulated restart) for their full wait.
            timeout_graceful_shutdown=1,
            **proxy_options(self.forwarded_allow_ips),
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the backend did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
        if self.store is not None:
            self.store.dispose()
        self._server = self._thread = self.store = self.app = None

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
