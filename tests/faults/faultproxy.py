"""A fault-injecting TCP proxy on 127.0.0.1, written with asyncio, run in its own thread.

It sits between the console's HTTP client and the backend and, on demand:
- adds latency to every byte the server sends back (a delay line: order is kept and
  back-to-back chunks are not delayed twice);
- cuts responses part-way through (a share of them, chosen at random) and kills every
  open connection at once (long polls included);
- refuses connections (the listening socket is closed, so connects get ECONNREFUSED);
- answers every request itself with a 5xx problem (it reads the request head and body:
  HTTP-aware enough for HTTP/1.1 without pipelining, which is what httpx sends).

Knobs are plain attributes, safe to set from any thread; the methods that touch sockets
(`refuse`, `accept`, `kill_all`) run on the proxy's loop and wait for it. Counters in
`stats` say what was injected.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
CHUNK = 65536
HEAD_LIMIT = 65536


class FaultProxy:
    """`FaultProxy(upstream_port).start()`; `stop()` closes every socket and the loop."""

    def __init__(
        self,
        upstream_port: int,
        *,
        upstream_host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = port
        self.latency = 0.0  # seconds added to every server->client byte
        self.cut_share = 0.0  # share of server->client chunks cut part-way (connection killed)
        self.error_status: int | None = None  # answer every request with this status
        self.stats: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()  # status lines seen going back to clients
        self._rng = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy")
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._upstreams: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()

    # -- life cycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults -----------------------------------------------------------------------------

    def refuse(self) -> None:
        """Stop listening (new connects are refused) and kill the open connections."""
        self._call(self._refuse())

    def accept(self) -> None:
        """Listen again on the same port."""
        self._call(self._listen())

    def kill_all(self) -> int:
        """Abort every open connection (both sides); returns how many client connections."""
        return self._call(self._kill_all())

    def clear(self) -> None:
        self.latency = 0.0
        self.cut_share = 0.0
        self.error_status = None

    @property
    def open_connections(self) -> int:
        return len(self._clients)

    # -- internals --------------------------------------------------------------------------

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._spawn, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _refuse(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            # Accept no more, then let connections accepted a moment ago get their
            # transports before the server closes: on Python 3.11 a transport created for
            # a closed Server fails an assertion half-built, and is leaked unclosed (a
            # ResourceWarning later, in whatever code runs then).
            loop = asyncio.get_running_loop()
            for sock in server.sockets:
                loop.remove_reader(sock.fileno())
            await asyncio.sleep(0.01)
            server.close()
            # Since Python 3.12, wait_closed() also waits for every accepted connection to
            # close: abort them first (a long poll would hold it for its whole wait; CI saw
            # the 10 s call timeout on 3.13).
            await self._kill_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 5.0)
            self.stats["refusing"] += 1
        await self._kill_all()

    async def _kill_all(self) -> int:
        killed = 0
        for writer in list(self._clients):
            if not writer.transport.is_closing():
                killed += 1
            writer.transport.abort()
        for writer in list(self._upstreams):
            writer.transport.abort()
        self.stats["killed"] += killed
        return killed

    async def _shutdown(self) -> None:
        await self._refuse()
        handlers = list(self._handlers)
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    def _spawn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Known from the start: kill_all() and stop() abort it even if its handler never ran.
        self._clients.add(writer)
        task = asyncio.get_running_loop().create_task(self._handle(reader, writer))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats["connections"] += 1
        up_writer: asyncio.StreamWriter | None = None
        try:
            if self.error_status is not None:
                await self._answer_errors(reader, writer)
                return
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            except OSError:
                self.stats["upstream_down"] += 1
                writer.transport.abort()
                return
            self._upstreams.add(up_writer)
            pumps = [
                asyncio.ensure_future(self._requests(reader, writer, up_writer)),
                asyncio.ensure_future(self._responses(up_reader, writer)),
            ]
            try:
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in pumps:
                    pump.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
        finally:
            self._clients.discard(writer)
            await _close(writer)
            if up_writer is not None:
                self._upstreams.discard(up_writer)
                await _close(up_writer)

    async def _requests(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: asyncio.StreamWriter,
    ) -> None:
        """Client -> server, one request at a time, answering it here in 5xx mode."""
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                if self.error_status is not None:
                    await self._answer_error(writer, self.error_status)
                    return
                upstream.write(request)
                await upstream.drain()

    async def _responses(
        self, upstream: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Server -> client through a delay line; cut part-way now and then."""
        line: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, chunk = await line.get()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not chunk:
                    return
                self._count_status(chunk)
                if self.cut_share and self._rng.random() < self.cut_share:
                    writer.write(chunk[: self._rng.randrange(len(chunk))])
                    with contextlib.suppress(OSError):
                        await writer.drain()
                    writer.transport.abort()
                    self.stats["cut"] += 1
                    return
                writer.write(chunk)
                await writer.drain()

        delivery = asyncio.ensure_future(deliver())
        try:
            with contextlib.suppress(OSError):
                while not delivery.done():
                    chunk = await upstream.read(CHUNK)
                    line.put_nowait((time.monotonic() + self.latency, chunk))
                    if not chunk:
                        break
            with contextlib.suppress(OSError):
                await delivery
        finally:
            delivery.cancel()
            await asyncio.gather(delivery, return_exceptions=True)

    def _count_status(self, chunk: bytes) -> None:
        if chunk.startswith(b"HTTP/1.1 "):
            with contextlib.suppress(ValueError):
                self.statuses[int(chunk[9:12])] += 1

    async def _answer_errors(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            if await _read_request(reader) is not None:
                await self._answer_error(writer, self.error_status or 503)

    async def _answer_error(self, writer: asyncio.StreamWriter, status: int) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Service unavailable",
                "status": status,
                "detail": "The fault proxy is answering for the backend.",
            }
        ).encode()
        head = (
            f"HTTP/1.1 {status} Service Unavailable\r\n"
            "Content-Type: application/problem+json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        self.stats[f"answered_{status}"] += 1
        self.statuses[status] += 1
        writer.write(head + body)
        await writer.drain()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError, TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    writer.transport.abort()  # no-op once closed; frees a peer that never read


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 request (head and Content-Length body), or None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    if len(head) > HEAD_LIMIT:
        raise asyncio.LimitOverrunError("request head too large", len(head))
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return head + body
