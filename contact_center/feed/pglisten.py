"""PostgreSQL LISTEN/NOTIFY: a change committed by another instance wakes this one's polls.

`Store.write()` sends `NOTIFY contact_center_changes, '<instance> <last seq>'` inside the
write transaction, so PostgreSQL delivers it on commit, in commit order (which is seq
order). One `FeedListener` per instance (the app starts it on PostgreSQL) holds a dedicated
connection that LISTENs and calls `on_change` for every other instance's notification; its
own commits already woke the local long polls. Notifications are only a hint, never the data: a long poll re-reads the
feed from its cursor, so a duplicate wake costs a query and a lost one costs time:
  - the listener re-checks `feed_state.seq` every `recheck` seconds and wakes the polls
    when it moved without a notification (covers anything missed);
  - when its connection drops it reconnects with backoff and, once LISTENing again, the
    first re-check catches up on what was committed in between.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from contact_center.storage.store import NOTIFY_CHANNEL as CHANNEL

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)
APPLICATION_NAME = "contact-center feed listener"


def conninfo(engine: Engine) -> str:
    """A libpq URI for the engine's database (psycopg speaks it; SQLAlchemy's prefix dropped)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class FeedListener:
    """A thread with its own connection: LISTEN, wake on others' commits, re-check, reconnect."""

    def __init__(
        self,
        engine: Engine,
        instance_id: str,
        on_change: Callable[[], None],
        *,
        recheck: float = 1.0,
    ) -> None:
        self.dsn = conninfo(engine)
        # The engine's own driver, psycopg 3 (every PostgreSQL URL is made postgresql+psycopg):
        # SQLAlchemy loads it for a PostgreSQL engine only, so SQLite instances never do.
        self._psycopg: Any = engine.dialect.loaded_dbapi
        self.instance_id = instance_id
        self.on_change = on_change
        self.recheck = recheck
        self.seen = -1  # the newest seq this instance is known to have woken its polls for
        self.connects = 0  # how many times it (re)connected: tests and logs
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()  # stop() interrupts the wait at once
        self._thread = threading.Thread(target=self._run, name="pg-feed-listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        if not self._thread.is_alive():
            for fd in (self._wake_r, self._wake_w):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                self._listen()
                backoff = 0.1
            except (self._psycopg.Error, OSError) as exc:
                self.connected.clear()
                if self._stop.is_set():
                    break
                log.warning("feed listener lost its connection (%s); reconnecting", exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception:  # never let the thread die: polls would only time out
                self.connected.clear()
                log.exception("feed listener failed; restarting it")
                self._stop.wait(1.0)

    def _listen(self) -> None:
        with self._psycopg.connect(
            self.dsn, autocommit=True, application_name=APPLICATION_NAME, connect_timeout=10
        ) as pg:
            pg.execute(f"LISTEN {CHANNEL}")
            self.connects += 1
            self._check(pg)  # whatever was committed while not listening
            self.connected.set()
            next_check = time.monotonic() + self.recheck
            while not self._stop.is_set():
                # Notifications read along with a query's answer wait in psycopg's buffer,
                # not on the socket: drain them before sleeping on it.
                for note in pg.notifies(timeout=0):
                    self._heard(note.payload)
                left = next_check - time.monotonic()
                if left <= 0:
                    self._check(pg)
                    next_check = time.monotonic() + self.recheck
                    continue
                select.select([pg.fileno(), self._wake_r], [], [], left)

    def _heard(self, payload: str) -> None:
        instance, _, seq_text = payload.partition(" ")
        try:
            seq = int(seq_text)
        except ValueError:
            seq = self.seen
        if instance != self.instance_id:
            self.on_change()
        self.seen = max(self.seen, seq)

    def _check(self, pg: psycopg.Connection[Any]) -> None:
        row = pg.execute("SELECT seq FROM feed_state WHERE id = 1").fetchone()
        seq = int(row[0]) if row is not None else 0
        if seq > self.seen:
            if self.seen >= 0:
                self.on_change()
            self.seen = seq
