"""The backend on PostgreSQL: a throwaway cluster per session, a fresh database per test.

The cluster comes from `CONTACT_CENTER_TEST_PG` (a URL of a server where the user may
create databases, e.g. `postgresql://postgres@127.0.0.1:5432/postgres`) or, without it, is
started here: initdb in a temporary directory, a loopback port and a unix socket in that
directory, fsync off, stopped at the end of the session. Without a server binary the tests
skip with the reason, except under CI (`CI=true`), where a missing PostgreSQL fails them.

`fresh_database` is overridden here: the plugin's `server` and `make_server` (and the clients
of `server`) then serve a copy of a seeded PostgreSQL template database, so
`test_pg_backend_suite.py` runs tests/backend unchanged on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterator

import pytest

from contact_center.testing.pgcluster import (
    Cluster,
    ClusterUnavailableError,
    create_database,
    drop_database,
)
from contact_center.testing.server import ServerThread
from tests.support.accounts import SEED_USERS
from tests.support.backend import seed_database

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
    seed_database(url, SEED_USERS)
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


# --- the plugin's servers, on PostgreSQL ----------------------------------------------------


@pytest.fixture
def fresh_database(pg_databases: Databases, pg_template: str) -> Iterator[Callable[[], str]]:
    """Makes a fresh seeded PostgreSQL database (its URL) for this test; all dropped after."""
    made: list[str] = []

    def make() -> str:
        made.append(pg_databases.create(template=pg_template))
        return made[-1]

    try:
        yield make
    finally:
        for url in made:
            pg_databases.drop(url)


@pytest.fixture
def pair(pg_db: str, make_server: Callable[..., ServerThread]) -> tuple[ServerThread, ServerThread]:
    """Two instances on one PostgreSQL database."""
    return make_server(db=pg_db), make_server(db=pg_db)
