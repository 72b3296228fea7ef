"""Bring a database's schema to the newest Alembic revision, fast when it already is.

`Store` calls `ensure_schema` at start; `contact-center migrate --db URL` runs the same
upgrade on its own (e.g. before rolling out new instances). The revisions are in
`migrations/versions/` next to this module.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision in migrations/versions (a test checks that they agree): a database
# already there costs one query at start, and no Alembic migration context.
HEAD = "0004"
BASELINE = "0001"  # what a database made by `create_all` before migrations existed is
# Alembic's `context` is process-global: one migration at a time per process. Instances in
# separate processes take turns on PostgreSQL's advisory lock instead (migrations/env.py).
_ALEMBIC = threading.Lock()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_schema(engine: Engine) -> None:
    """Upgrade to HEAD; a pre-migration database is stamped as the baseline first."""
    if current_revision(engine) == HEAD:
        return
    upgrade(engine)


def upgrade(engine: Engine, revision: str = "head") -> None:
    with _ALEMBIC, engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        cfg = _config(conn)
        if "alembic_version" not in names and "users" in names:
            command.stamp(cfg, BASELINE)
            conn.commit()
        command.upgrade(cfg, revision)
        conn.commit()


def script_head() -> str | None:
    """The head revision as Alembic reads it from migrations/versions."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def _config(conn: Any) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg
