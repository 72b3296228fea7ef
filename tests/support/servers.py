"""Fixtures of the real backend (ServerThread on 127.0.0.1, no simulator) and its clients.

- `server`: SEED_USERS (40) agents, the backend suite's. Its database comes from
  `fresh_database`: a copy of a seeded SQLite template here; tests/postgres overrides
  `fresh_database` to serve a seeded PostgreSQL database instead (the same tests run there);
- `make_server`: more servers with other options, on fresh databases (or a given one);
- `small_server`: SMALL_SEED_USERS (30) agents, what the console's tests show in full;
- `admin`, `supervisor`, `anon`: httpx clients of `server` (bearer tokens from the store);
- `admin_api`, `supervisor_api`: the console's `ApiClient`s of `small_server`, signed in.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contact_center.testing.server import ServerThread
from supervisor_console.api.client import ApiClient
from tests.support.accounts import SEED_USERS, SMALL_SEED_USERS
from tests.support.backend import client_for, seed_database, start_server, token_for
from tests.support.console import signed_in

FreshDatabase = Callable[[], "str | Path"]


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file seeded with SEED_USERS agents; tests serve copies (seeding hashes two
    passwords, which is most of a server's start-up)."""
    db = tmp_path_factory.mktemp("template") / "cc.db"
    seed_database(db, SEED_USERS)
    return db


@pytest.fixture(scope="session")
def small_seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """As `seeded_template`, with SMALL_SEED_USERS agents."""
    db = tmp_path_factory.mktemp("small-template") / "cc.db"
    seed_database(db, SMALL_SEED_USERS)
    return db


@pytest.fixture
def fresh_database(tmp_path: Path, seeded_template: Path) -> FreshDatabase:
    """Makes a new seeded database for this test (SEED_USERS agents): a path or a URL."""
    made = 0

    def make() -> Path:
        nonlocal made
        made += 1
        db = tmp_path / ("cc.db" if made == 1 else f"cc{made}.db")
        shutil.copyfile(seeded_template, db)
        return db

    return make


@pytest.fixture
def server(fresh_database: FreshDatabase) -> Iterator[ServerThread]:
    """The backend on a fresh database seeded with SEED_USERS (40) agents."""
    srv = start_server(fresh_database())
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def make_server(fresh_database: FreshDatabase) -> Iterator[Callable[..., ServerThread]]:
    """`make_server(db=None, **ServerThread options)`: more servers (e.g. a small
    `retain_changes`), each on a fresh database unless `db` names one; all stopped after."""
    started: list[ServerThread] = []

    def make(db: str | Path | None = None, **kwargs: Any) -> ServerThread:
        started.append(start_server(fresh_database() if db is None else db, **kwargs))
        return started[-1]

    try:
        yield make
    finally:
        for srv in started:
            srv.stop()


@pytest.fixture
def small_server(tmp_path: Path, small_seeded_template: Path) -> Iterator[ServerThread]:
    """The backend on a fresh SQLite database seeded with SMALL_SEED_USERS (30) agents."""
    db = tmp_path / "cc.db"
    shutil.copyfile(small_seeded_template, db)
    srv = start_server(db)
    try:
        yield srv
    finally:
        srv.stop()


# -- signed-in httpx clients of `server` ---------------------------------------------------


@pytest.fixture
def admin(server: ServerThread) -> Iterator[httpx.Client]:
    with client_for(server, token_for(server, "admin")) as c:
        yield c


@pytest.fixture
def supervisor(server: ServerThread) -> Iterator[httpx.Client]:
    with client_for(server, token_for(server, "supervisor")) as c:
        yield c


@pytest.fixture
def anon(server: ServerThread) -> Iterator[httpx.Client]:
    with client_for(server) as c:
        yield c


# -- the console's ApiClient of `small_server`, signed in ----------------------------------


@pytest.fixture
async def admin_api(small_server: ServerThread) -> AsyncIterator[ApiClient]:
    client = await signed_in(small_server.base_url, "admin")
    yield client
    await client.aclose()


@pytest.fixture
async def supervisor_api(small_server: ServerThread) -> AsyncIterator[ApiClient]:
    client = await signed_in(small_server.base_url, "supervisor")
    yield client
    await client.aclose()
