"""Traffic simulator: agents sign in, take calls, wrap up, take breaks, sign out.

Now and then a call ends uncleanly and leaves the dialer stuck (docs/rules.md, "Statuses
and stuck dialers"): the agent shows Busy or Unavailable with no live call, until a
supervisor resets it. Deterministic in its choices for a given seed.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from sqlalchemy import Connection, delete, select, update

from contact_center.storage.clock import now
from contact_center.storage.journal import touch
from contact_center.storage.store import Store
from contact_center.storage.tables import calls, sessions, users

TICK = 0.1


class Simulator:
    def __init__(
        self, store: Store, *, rate: float = 20.0, seed: int = 1, stuck_rate: float = 0.02
    ) -> None:
        self.store = store
        self.rate = rate  # user changes per second
        self.stuck_rate = stuck_rate  # share of call endings that leave the dialer stuck
        self.rng = random.Random(seed)
        self.stuck: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="simulator", daemon=True)
        self._carry = 0.0
        self._stuck_cap = 1  # at most one agent in twenty stuck at a time, set per step

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(TICK):
            self._carry += self.rate * TICK
            n, self._carry = int(self._carry), self._carry - int(self._carry)
            if n:
                try:
                    self.step(n)
                except Exception:  # noqa: BLE001 - a failed tick (e.g. database busy) is retried next tick
                    time.sleep(TICK)

    def step(self, n: int) -> None:
        """Move `n` random agents one step, in one transaction."""
        with self.store.write() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    select(users.c.id).where(users.c.role == "agent", users.c.active.is_(True))
                )
            ]
            if not ids:
                return
            self._stuck_cap = max(1, len(ids) // 20)
            picked = {self.rng.choice(ids) for _ in range(n)}
            # Locked (in id order) on PostgreSQL: an action on another instance waits, and
            # this step does not move an agent on a status it no longer has.
            rows = conn.execute(
                select(users.c.id, users.c.username, users.c.status)
                .where(users.c.id.in_(picked))
                .order_by(users.c.id)
                .with_for_update()
            ).all()
            live = {
                r[0]
                for r in conn.execute(
                    select(calls.c.user_id).where(
                        calls.c.user_id.in_(picked), calls.c.ended_at.is_(None)
                    )
                )
            }
            changed = []
            for uid, username, status in rows:
                if self._still_stuck(uid, status, uid in live):
                    continue
                if self._move(conn, uid, status, uid in live):
                    changed.append((uid, username))
            for uid, username in changed:
                touch(conn, [uid], username)

    def _still_stuck(self, uid: int, status: str, on_call: bool) -> bool:
        """A stuck agent stays stuck until someone (a supervisor's reset) changes it."""
        if uid not in self.stuck:
            return False
        if status in ("busy", "unavailable") and not on_call:
            return True
        self.stuck.discard(uid)
        return False

    def _move(self, conn: Connection, uid: int, status: str, on_call: bool) -> bool:
        r = self.rng.random()
        if status == "offline":
            self._sign_in(conn, uid)
        elif on_call:  # also a call kept through a status set by a supervisor (e.g. break)
            self._end_call(conn, uid)
        elif status in ("busy", "unavailable") and not on_call:
            self._set(conn, uid, "available")  # wrap-up over
        elif status == "available":
            if r < 0.6:
                self._start_call(conn, uid)
            elif r < 0.9:
                self._set(
                    conn,
                    uid,
                    *self.rng.choice([("break",), ("meeting",), ("dnd",), ("other", "Coaching")]),
                )
            else:
                self._sign_out(conn, uid)
        else:
            self._set(conn, uid, "available")
        return True

    def _set(self, conn: Connection, uid: int, status: str, text: str | None = None) -> None:
        t = now()
        conn.execute(
            update(users)
            .where(users.c.id == uid)
            .values(status=status, status_text=text, status_since=t, last_activity=t)
        )

    def _sign_in(self, conn: Connection, uid: int) -> None:
        t = now()
        client = self.rng.choice(["web", "desktop", "mobile"])
        conn.execute(
            sessions.insert().values(user_id=uid, client=client, started_at=t, last_seen=t)
        )
        self._set(conn, uid, "available")

    def _sign_out(self, conn: Connection, uid: int) -> None:
        # Its own device sessions: an agent's sign-in through the API is theirs to end.
        conn.execute(delete(sessions).where(sessions.c.user_id == uid, sessions.c.kind == "device"))
        self._set(conn, uid, "offline")

    def _start_call(self, conn: Connection, uid: int) -> None:
        t = now()
        row: dict[str, Any] = {
            "user_id": uid, "direction": self.rng.choice(["inbound", "outbound"]),
            "peer": f"+1555{self.rng.randint(0, 9_999_999):07d}", "started_at": t,
            "recording": f"rec/{uid}/{int(t * 1000)}.wav",
        }  # fmt: skip
        conn.execute(calls.insert().values(**row))
        self._set(conn, uid, "busy")

    def _end_call(self, conn: Connection, uid: int) -> None:
        conn.execute(
            update(calls)
            .where(calls.c.user_id == uid, calls.c.ended_at.is_(None))
            .values(ended_at=now(), ended_by="hangup")
        )
        if self.rng.random() < self.stuck_rate and len(self.stuck) < self._stuck_cap:
            # The call ended but the dialer never heard: status stays as it was.
            self.stuck.add(uid)
            if self.rng.random() < 0.5:
                self._set(conn, uid, "unavailable")
            return
        self._set(conn, uid, "unavailable")  # wrap-up
