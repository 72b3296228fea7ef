"""A stub server and a fake backend for the client and feed tests, and a feed recorder.

The stub is a real HTTP server on 127.0.0.1 (stdlib, in a thread) so the real client code
runs unchanged; only the *server* is fake. `FakeBackend` keeps users and a change log the
way the API describes and can be told to fail: 5xx, dropped connections, bad JSON, 401, 410.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from supervisor_console.api.types import ChangeBatch, ConnectionState, FeedStatus, UserRow

TIME = "2026-11-23T09:00:00+00:00"


def row_json(
    user_id: int, version: int = 1, status: str = "available", **extra: Any
) -> dict[str, Any]:
    """A valid API UserRow."""
    row: dict[str, Any] = {
        "id": user_id, "version": version, "username": f"agent{user_id}",
        "first_name": "Ada", "last_name": f"No{user_id}", "email": f"a{user_id}@example.com",
        "extension": str(1000 + user_id), "phone_number": None, "role": "agent",
        "desks": ["Sales"], "skills": [], "tags": [], "active": True, "two_factor": False,
        "status": status, "status_text": None, "status_since": TIME, "live_call": None,
        "session_count": 1, "last_activity": TIME, "changed_by": None, "changed_at": TIME,
    }  # fmt: skip
    row.update(extra)
    return row


@dataclass
class Reply:
    """What the stub answers. `drop` closes the socket without (or part-way through) a reply."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


Handler = Callable[[Seen], Reply]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # dropped connections are what some tests are about


class StubServer:
    """HTTP/1.1 server on 127.0.0.1 in a thread; `handler` decides every answer."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.scheme = "https" if tls else "http"
        self.seen: list[Seen] = []
        self.closing = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,))

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.closing.set()
        self._server.shutdown()
        with self._lock:
            for conn in list(self._conns):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(5)

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._conns.add if add else self._conns.discard)(conn)


def _make_handler(stub: StubServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            stub.track(self.connection, True)

        def finish(self) -> None:
            stub.track(self.connection, False)
            with contextlib.suppress(OSError):
                super().finish()

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            seen = _read_request(self)
            stub.seen.append(seen)
            reply = stub.handler(seen)
            if reply.delay:
                stub.closing.wait(reply.delay)
            _write_reply(self, reply)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return _Handler


def _read_request(h: BaseHTTPRequestHandler) -> Seen:
    length = int(h.headers.get("Content-Length") or 0)
    raw = h.rfile.read(length) if length else b""
    parts = urlsplit(h.path)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    body = json.loads(raw) if raw else None
    return Seen(h.command, parts.path, query, {k.lower(): v for k, v in h.headers.items()}, body)


def _write_reply(h: BaseHTTPRequestHandler, reply: Reply) -> None:
    if reply.raw is not None:
        data = reply.raw
    else:
        data = b"" if reply.body is None else json.dumps(reply.body).encode()
    if reply.drop and not data:
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)
        return
    h.send_response(reply.status)
    h.send_header("Content-Type", "application/json")
    for key, value in reply.headers.items():
        h.send_header(key, value)
    if "Content-Length" not in reply.headers:
        h.send_header("Content-Length", str(len(data) * (2 if reply.drop else 1)))
    h.end_headers()
    h.wfile.write(data)
    if reply.drop:  # promised more than was sent: a connection dropped mid-body
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)


def problem(status: int, detail: str, **extra: Any) -> Reply:
    body = {"type": "about:blank", "title": "error", "status": status, "detail": detail}
    body.update(extra)
    return Reply(status, body)


@pytest.fixture
def stub() -> Iterator[Callable[..., StubServer]]:
    """Factory: `stub(handler, tls=None)` starts a StubServer that is stopped after the test."""
    servers: list[StubServer] = []

    def make(handler: Handler, tls: ssl.SSLContext | None = None) -> StubServer:
        server = StubServer(handler, tls).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def self_signed(tmp_path: Any) -> tuple[str, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1: (its PEM path, a server context using it)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return str(cert), context


# -- a fake backend with a change log -----------------------------------------------------


class FakeBackend:
    """Users + change log + long poll, as docs/API.md describes; faults on demand."""

    def __init__(self, count: int = 3, retained: int = 1000) -> None:
        self.rows = {i: row_json(i) for i in range(1, count + 1)}
        self.log: list[tuple[int, int]] = []  # (cursor, user id); a deleted id has no row
        self.first_cursor = 0  # cursors below this are too old (410)
        self.retained = retained
        self.cursor = 0
        self.faults: list[Reply] = []  # answered (in order) instead of the real thing
        self.cond = threading.Condition()
        self.polls_waiting = 0  # long polls waiting for a change right now
        self.server = StubServer(self.handle)

    def start(self) -> FakeBackend:
        self.server.start()
        return self

    def stop(self) -> None:
        with self.cond:
            self.cond.notify_all()
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    def change(self, user_id: int, **values: Any) -> None:
        with self.cond:
            old = self.rows.get(user_id) or row_json(user_id, version=0)
            self.rows[user_id] = {**old, **values, "version": old["version"] + 1}
            self._log(user_id)

    def delete(self, user_id: int) -> None:
        with self.cond:
            del self.rows[user_id]
            self._log(user_id)

    def _log(self, user_id: int) -> None:
        self.cursor += 1
        self.log.append((self.cursor, user_id))
        if len(self.log) > self.retained:
            self.first_cursor = self.log.pop(0)[0]
        self.cond.notify_all()

    def handle(self, seen: Seen) -> Reply:
        with self.cond:
            if self.faults:
                return self.faults.pop(0)
        if seen.path == "/api/v1/users":
            with self.cond:
                return Reply(body={"users": list(self.rows.values()), "cursor": self.cursor})
        if seen.path == "/api/v1/changes":
            return self._changes(int(seen.query["since"]), float(seen.query["wait"]))
        return problem(404, "No such thing.")

    def _changes(self, since: int, wait: float) -> Reply:
        with self.cond:
            if since > self.cursor or since < self.first_cursor:
                return problem(410, "The cursor is too old.")
            self.polls_waiting += 1
            try:
                self.cond.wait_for(
                    lambda: self.cursor > since or self.server.closing.is_set(), wait
                )
            finally:
                self.polls_waiting -= 1
            ids = {uid for cur, uid in self.log if cur > since}
            users = [self.rows[i] for i in sorted(ids) if i in self.rows]
            deleted = sorted(i for i in ids if i not in self.rows)
            return Reply(body={"users": users, "deleted": deleted, "cursor": self.cursor})


@pytest.fixture
def fake_backend() -> Iterator[FakeBackend]:
    """A FakeBackend with 3 users, stopped after the test."""
    fake = FakeBackend().start()
    yield fake
    fake.stop()


# -- following a feed -------------------------------------------------------------------


class Recorder:
    """Collects what the feed emits and rebuilds the panel's state by version."""

    def __init__(self) -> None:
        self.batches: list[ChangeBatch] = []
        self.statuses: list[FeedStatus] = []
        self.state: dict[int, UserRow] = {}

    def on_batch(self, batch: ChangeBatch) -> None:
        self.batches.append(batch)
        if batch.full:
            self.state = {row.id: row for row in batch.changed}
        for row in batch.changed:
            held = self.state.get(row.id)
            if held is None or row.version > held.version:
                self.state[row.id] = row
        for user_id in batch.deleted:
            self.state.pop(user_id, None)

    def on_status(self, status: FeedStatus) -> None:
        self.statuses.append(status)

    @property
    def states(self) -> list[ConnectionState]:
        return [s.state for s in self.statuses]

    @property
    def fulls(self) -> int:
        return sum(b.full for b in self.batches)

    def versions(self) -> dict[int, int]:
        return {i: r.version for i, r in self.state.items()}
