"""Migrations on both databases: they build exactly tables.py's schema; start-up and the CLI."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, insert, inspect, select

from contact_center import cli
from contact_center.sim.seed import seed
from contact_center.storage import migrate, tables
from contact_center.storage.engine import make_engine
from contact_center.storage.store import Store
from tests.support.accounts import ADMIN_PW, SUPER_PW


def test_head_constant_matches_the_migrations() -> None:
    assert migrate.script_head() == migrate.HEAD


def _differences(store: Store) -> list[object]:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, tables.metadata))


def test_sqlite_migrated_schema_is_tables_py(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "cc.db"))
    try:
        assert _differences(store) == []
        assert migrate.current_revision(store.engine) == migrate.HEAD
    finally:
        store.dispose()


def test_postgres_migrated_schema_is_tables_py(pg_databases: object, pg_server: str) -> None:
    url = pg_databases.create()  # type: ignore[attr-defined]
    store = Store(url)
    try:
        assert _differences(store) == []
        assert migrate.current_revision(store.engine) == migrate.HEAD
        columns = {
            (c["name"]): str(c["type"]) for c in inspect(store.engine).get_columns("changes")
        }
        assert columns["seq"] == "BIGINT"  # 1,000 changes/s outgrow 32 bits in 25 days
    finally:
        store.dispose()


def test_a_sqlite_file_from_before_migrations_is_stamped_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(str(path))
    tables.metadata.create_all(engine)  # what Store did before migrations existed
    with engine.begin() as conn:
        conn.execute(insert(tables.feed_state).values(id=1, seq=7, floor=0))
    engine.dispose()
    store = Store(str(path))
    try:
        assert migrate.current_revision(store.engine) == migrate.HEAD
        with store.read() as conn:
            assert conn.execute(select(tables.feed_state.c.seq)).scalar_one() == 7
    finally:
        store.dispose()


def test_migrate_command(pg_databases: object, capsys: pytest.CaptureFixture[str]) -> None:
    url = pg_databases.create()  # type: ignore[attr-defined]
    plain = url.replace("postgresql://", "postgres://")  # either spelling, mapped to psycopg
    assert cli.main(["migrate", "--db", plain]) == 0
    assert f"revision {migrate.HEAD} (was empty)" in capsys.readouterr().out
    assert cli.main(["migrate", "--db", url]) == 0
    assert f"revision {migrate.HEAD} (was {migrate.HEAD})" in capsys.readouterr().out
    engine = make_engine(url)
    try:
        assert "users" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_instances_starting_together_on_an_empty_database(pg_databases: object) -> None:
    """Separate processes migrate at once: they take turns on an advisory lock."""
    url = pg_databases.create()  # type: ignore[attr-defined]
    command = [sys.executable, "-m", "contact_center", "migrate", "--db", url]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert all(f"Schema at revision {migrate.HEAD}" in out for out in outputs), outputs
    # and a Store in this process (threads share one Alembic context: a process lock)
    stores: list[Store] = []
    threads = [threading.Thread(target=lambda: stores.append(Store(url))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for store in stores:
        store.dispose()
    assert len(stores) == 3


def test_seed_moves_the_sequences_past_its_explicit_ids(pg_databases: object) -> None:
    url = pg_databases.create()  # type: ignore[attr-defined]
    store = Store(url)
    try:
        seed(store, 30, ADMIN_PW, SUPER_PW)
        with store.write() as conn:
            uid = conn.execute(
                insert(tables.users)
                .values(
                    username="new-hire", extension="9999", role="agent", desks=[], skills=[],
                    tags=[], active=True, two_factor=False, must_change_password=False,
                    status="offline", status_since=0.0, version=1,
                )
                .returning(tables.users.c.id)
            ).scalar_one()  # fmt: skip
            device = conn.execute(
                insert(tables.devices)
                .values(kind="soft", model="Soft")
                .returning(tables.devices.c.id)
            ).scalar_one()
            n_users = conn.execute(select(func.count()).select_from(tables.users)).scalar_one()
        assert uid == n_users == 33
        assert device == 33
    finally:
        store.dispose()
