"""Helpers for the action tests: put a user in an exact state on the real backend, read
tables back, and a loopback TCP proxy that drops answers or refuses connections.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update

from contact_center.sim.seed import seed
from contact_center.storage.clock import now
from contact_center.storage.journal import touch
from contact_center.storage.store import Store
from contact_center.storage.tables import audit, calls, sessions, users
from contact_center.testing.server import ServerThread

ADMIN_PW = "admin-pw"
SUPER_PW = "super-pw"
PEER = "+15550009999"


_TEMPLATE: list[Path] = []


def seeded_db(factory: pytest.TempPathFactory) -> Path:
    """One seeded database per session; each test serves its own copy (seeding hashes
    passwords, which is most of a server's start-up)."""
    if not _TEMPLATE:
        db = factory.mktemp("actions") / "cc.db"
        template = Store(str(db))
        try:
            seed(template, 30, ADMIN_PW, SUPER_PW)
            with template.write() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            template.dispose()
        _TEMPLATE.append(db)
    return _TEMPLATE[0]


@pytest.fixture
def server(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The real backend on 127.0.0.1 with 30 seeded agents and no simulator."""
    shutil.copyfile(seeded_db(tmp_path_factory), tmp_path / "cc.db")
    srv = ServerThread(tmp_path / "cc.db", admin_password=ADMIN_PW, supervisor_password=SUPER_PW)
    srv.start()
    yield srv
    srv.stop()


def store(server: ServerThread) -> Any:
    assert server.store is not None
    return server.store


def agent_ids(server: ServerThread) -> list[int]:
    with store(server).read() as conn:
        query = select(users.c.id).where(users.c.role == "agent").order_by(users.c.id)
        return [r[0] for r in conn.execute(query)]


def arrange(
    server: ServerThread,
    uid: int,
    status: str,
    *,
    live_call: bool = False,
    session_count: int | None = None,
    **columns: Any,
) -> int:
    """Put user `uid` in `status` (with sessions unless offline) as a real change: the
    version moves and the feed delivers it."""
    count = (0 if status == "offline" else 1) if session_count is None else session_count
    text = "Training" if status == "other" else None
    with store(server).write() as conn:
        conn.execute(
            update(users).where(users.c.id == uid).values(
                status=status, status_text=text, status_since=now(), **columns
            )
        )  # fmt: skip
        conn.execute(delete(calls).where(calls.c.user_id == uid, calls.c.ended_at.is_(None)))
        if live_call:
            conn.execute(
                insert(calls).values(
                    user_id=uid, direction="inbound", peer=PEER, started_at=now() - 30,
                    recording=f"rec/{uid}/live.wav",
                )
            )  # fmt: skip
        conn.execute(delete(sessions).where(sessions.c.user_id == uid))
        for i in range(count):
            conn.execute(
                insert(sessions).values(
                    user_id=uid, client=("web", "desktop")[i % 2], started_at=now() - 100,
                    last_seen=now(),
                )
            )  # fmt: skip
        touch(conn, [uid], "test")
    return uid


def rows(server: ServerThread, query: Any) -> list[dict[str, Any]]:
    with store(server).read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def count(server: ServerThread, query: Any) -> int:
    with store(server).read() as conn:
        return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def audit_actions(server: ServerThread, uid: int) -> list[str]:
    found = rows(server, select(audit.c.action).where(audit.c.target_id == uid))
    return [r["action"] for r in found]


class LoopbackProxy:
    """A TCP proxy on 127.0.0.1 in front of `upstream_port`.

    `drop_answers`: that many connections get their request forwarded and the answer
    swallowed (the connection closes): the server applied it, the client never heard.
    `refuse`: connections are closed at once, nothing is forwarded.
    """

    def __init__(self, upstream_port: int, drop_answers: int = 0) -> None:
        self.upstream_port = upstream_port
        self.drop_answers = drop_answers
        self.refuse = False
        self.forwarded = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> LoopbackProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                if self._stop.is_set():
                    client.close()
                    return
                self._sockets.append(client)
                drop, self.drop_answers = self.drop_answers > 0, max(0, self.drop_answers - 1)
            if self.refuse:
                client.close()
                continue
            threading.Thread(target=self._serve, args=(client, drop), daemon=True).start()

    def _serve(self, client: socket.socket, drop: bool) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        with self._lock:
            if self._stop.is_set():  # the proxy closed while this connection was being made
                upstream.close()
                client.close()
                return
            self._sockets.append(upstream)
            self.forwarded += 1
        if drop:
            upstream.sendall(_read_request(client))
            upstream.recv(65536)  # the server has answered, so it has applied the action
            client.close()
            upstream.close()
            return
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)


def _read_request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _pipe(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            target.sendall(chunk)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)
