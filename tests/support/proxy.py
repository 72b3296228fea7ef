"""A loopback TCP proxy in front of a server: drops answers or refuses connections."""

from __future__ import annotations

import contextlib
import socket
import threading


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
