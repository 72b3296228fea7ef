"""The snapshot's per-row cache under concurrent snapshots: never a row older than the cursor."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event

from contact_center.sim.seed import seed
from contact_center.storage.journal import current_cursor, touch
from contact_center.storage.rows import SnapshotCache
from contact_center.storage.store import Store
from tests.support.accounts import ADMIN_PW, SUPER_PW

X, Y = 3, 4


class Gates:
    """Pause a named thread right after it runs the panel-row query (its data is then fixed)."""

    def __init__(self) -> None:
        self.gates: dict[str, tuple[threading.Event, threading.Event]] = {}

    def add(self, name: str) -> tuple[threading.Event, threading.Event]:
        self.gates[name] = (threading.Event(), threading.Event())
        return self.gates[name]

    def after_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        gate = self.gates.get(threading.current_thread().name)
        if gate and "LEFT OUTER JOIN calls" in statement:
            reached, release = gate
            reached.set()
            assert release.wait(10)


def change(store: Store, uid: int) -> None:
    with store.write() as conn:
        touch(conn, [uid], "test")


def test_a_slow_snapshot_never_downgrades_a_newer_one(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "c.db"))
    gates = Gates()
    event.listen(store.engine, "after_cursor_execute", gates.after_execute)
    threads: list[threading.Thread] = []
    try:
        seed(store, 8, ADMIN_PW, SUPER_PW)
        cache = SnapshotCache()
        out: dict[str, Any] = {}

        def snapshot(name: str) -> None:
            with store.read() as conn:
                cursor, _ = current_cursor(conn)
                out[name] = (cursor, json.loads(cache.rows_json(conn)))

        def start(name: str) -> tuple[threading.Event, threading.Event]:
            gate = gates.add(name)
            threads.append(threading.Thread(target=snapshot, args=(name,), name=name))
            threads[-1].start()
            assert gate[0].wait(10)
            return gate

        # C reads every row at version 1, then stalls before caching them.
        slow = start("C")
        change(store, X)
        snapshot("B")  # caches X at version 2
        change(store, Y)
        # A finds X fresh in the cache, reads only Y, and stalls.
        late = start("A")
        slow[1].set()  # C caches its old rows
        threads[0].join(10)
        late[1].set()
        threads[1].join(10)
        _, rows = out["A"]
        versions = {r["id"]: r["version"] for r in rows}
        assert versions[X] == 2
        assert versions[Y] == 2
        snapshot("D")
        assert {r["id"]: r["version"] for r in out["D"][1]}[X] == 2
    finally:
        for gate in gates.gates.values():
            gate[1].set()
        for t in threads:
            t.join(10)
        store.dispose()
