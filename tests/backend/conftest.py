"""Fixtures: a real contact-center backend on 127.0.0.1 per test, signed-in httpx clients."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from backend_support import (  # the client fixtures are shared with tests/postgres
    ADMIN_PW,
    SEED_USERS,
    SUPER_PW,
    admin,
    anon,
    start_server,
    supervisor,
)

__all__ = ["admin", "anon", "supervisor"]

from contact_center.sim.seed import seed
from contact_center.storage.store import Store
from contact_center.testing.server import ServerThread


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded database file; each test serves a copy (seeding hashes two passwords)."""
    db = tmp_path_factory.mktemp("template") / "cc.db"
    store = Store(str(db))
    try:
        seed(store, SEED_USERS, ADMIN_PW, SUPER_PW)
        with store.write() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.dispose()
    return db


@pytest.fixture
def server(tmp_path: Path, seeded_template: Path) -> Iterator[ServerThread]:
    db = tmp_path / "cc.db"
    shutil.copyfile(seeded_template, db)
    srv = start_server(db)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def make_server(tmp_path: Path, seeded_template: Path) -> Iterator[Callable[..., ServerThread]]:
    """Start servers with other options (e.g. a small `retain_changes`); all stopped after."""
    started: list[ServerThread] = []

    def make(**kwargs: Any) -> ServerThread:
        db = tmp_path / f"cc{len(started)}.db"
        shutil.copyfile(seeded_template, db)
        started.append(start_server(db, **kwargs))
        return started[-1]

    try:
        yield make
    finally:
        for srv in started:
            srv.stop()
