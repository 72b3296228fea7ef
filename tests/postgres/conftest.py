"""The backend on PostgreSQL: a throwaway cluster per session, a fresh database per test.

The cluster comes from `CONTACT_CENTER_TEST_PG` (a URL of a server where the user may
create databases, e.g. `postgresql://postgres@127.0.0.1:5432/postgres`) or, without it, is
started here: initdb in a temporary directory, a loopback port and a unix socket in that
directory, fsync off, stopped at the end of the session. Without a server binary the tests
skip with the reason, except under CI (`CI=true`), where a missing PostgreSQL fails them.

Fixtures with the names the backend suite uses (`server`, `admin`, `supervisor`, `anon`,
`make_server`) serve a copy of a seeded template database, so `test_pg_backend_suite.py`
runs tests/backend unchanged on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from backend_support import (
    ADMIN_PW,
    SEED_USERS,
    SUPER_PW,
    admin,
    anon,
    start_server,
    supervisor,
)

from contact_center.sim.seed import seed
from contact_center.storage.store import Store
from contact_center.testing.pgcluster import (
    Cluster,
    ClusterUnavailableError,
    create_database,
    drop_database,
)
from contact_center.testing.server import ServerThread

__all__ = ["admin", "anon", "supervisor"]  # shared client fixtures, used by name

_names = itertools.count(1)


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL tests need a server: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true: PostgreSQL is required here)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a maintenance database on a server where databases may be created."""
    url = os.environ.get("CONTACT_CENTER_TEST_PG")
    if url:
        yield url
        return
    try:
        # .ci/run names a directory whose clusters it stops if pytest dies before this does.
        cluster = Cluster(parent=os.environ.get("CONTACT_CENTER_PG_TMP"))
    except ClusterUnavailableError as exc:
        _unavailable(f"{exc} (or set CONTACT_CENTER_TEST_PG to a server's URL)")
        raise
    with cluster:
        yield cluster.url()


def _with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


class Databases:
    """Creates and drops databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.created: list[str] = []

    def create(self, template: str | None = None, prefix: str = "cc_test") -> str:
        name = f"{prefix}_{os.getpid()}_{next(_names)}"
        url = create_database(self.admin_url, name, template)
        self.created.append(name)
        return url

    def drop(self, url: str) -> None:
        name = url.rpartition("/")[2]
        drop_database(self.admin_url, name)
        if name in self.created:
            self.created.remove(name)


@pytest.fixture(scope="session")
def pg_databases(pg_server: str) -> Iterator[Databases]:
    dbs = Databases(pg_server)
    yield dbs
    for name in list(dbs.created):
        with contextlib.suppress(Exception):
            dbs.drop(_with_db(pg_server, name))


@pytest.fixture(scope="session")
def pg_template(pg_databases: Databases) -> str:
    """A database seeded like the backend suite's template (SEED_USERS agents); not served."""
    url = pg_databases.create(prefix="cc_template")
    store = Store(url)
    try:
        seed(store, SEED_USERS, ADMIN_PW, SUPER_PW)
    finally:
        store.dispose()
    return url.rpartition("/")[2]


@pytest.fixture(scope="module")
def pg_module_db(pg_databases: Databases, pg_template: str) -> Iterator[str]:
    """A fresh seeded database for one test module."""
    url = pg_databases.create(template=pg_template)
    yield url
    pg_databases.drop(url)


@pytest.fixture
def pg_db(pg_databases: Databases, pg_template: str) -> Iterator[str]:
    """A fresh seeded database for one test (a template copy takes a few tens of ms)."""
    url = pg_databases.create(template=pg_template)
    yield url
    pg_databases.drop(url)


# --- the backend suite's fixtures, on PostgreSQL ---------------------------------------------


@pytest.fixture
def server(pg_db: str) -> Iterator[ServerThread]:
    srv = start_server(pg_db)  # a URL where the suite passes a path
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def make_server(pg_databases: Databases, pg_template: str) -> Iterator[Callable[..., ServerThread]]:
    """Servers with other options, each on its own fresh database; `db=URL` shares one."""
    started: list[ServerThread] = []
    made: list[str] = []

    def make(db: str | None = None, **kwargs: Any) -> ServerThread:
        if db is None:
            db = pg_databases.create(template=pg_template)
            made.append(db)
        started.append(start_server(db, **kwargs))
        return started[-1]

    try:
        yield make
    finally:
        for srv in started:
            srv.stop()
        for url in made:
            pg_databases.drop(url)
