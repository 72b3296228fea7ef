"""tests/backend, unchanged, on PostgreSQL.

Every `test_*` of tests/backend/test_*.py is collected here a second time, under the
fixtures of this directory's conftest (`server` on a fresh PostgreSQL database). Module
fixtures of those files are taken too, unless this module replaces them (below); tests that
only make sense on SQLite files are listed in SQLITE_ONLY.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contact_center.testing.server import ServerThread
from tests.support.backend import agent_in, client_for, start_server, token_for

BACKEND = Path(__file__).resolve().parents[1] / "backend"
# FastAPI 0.165 builds a route's parameters lazily, at the first request that matches
# through it, and pydantic then warns about the `limit` query parameters' alias: under
# filterwarnings=error that one request (in the server's thread) answers 500.
pytestmark = pytest.mark.filterwarnings(
    "ignore::pydantic.warnings.UnsupportedFieldAttributeWarning"
)
SQLITE_ONLY = {
    "test_seed_two_thousand",  # seeds a SQLite file; test_pg_multi_instance seeds PostgreSQL
}
# Module fixtures of tests/backend that need a SQLite file, and their replacements here.
REPLACED_FIXTURES = {"shared"}


def _collect() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in sorted(BACKEND.glob("test_*.py")):
        module = importlib.import_module(f"tests.backend.{path.stem}")
        for name, obj in vars(module).items():
            if name in SQLITE_ONLY or name in REPLACED_FIXTURES:
                continue
            is_fixture = hasattr(obj, "_fixture_function_marker")
            if (name.startswith("test_") and callable(obj)) or is_fixture:
                if name in found and found[name] is not obj:
                    name = f"{name}__{path.stem}"
                found[name] = obj
    return found


globals().update(_collect())


@pytest.fixture(scope="module")
def shared(pg_module_db: str) -> Iterator[tuple[ServerThread, httpx.Client]]:
    """test_requests' server for bad requests, on a module-wide PostgreSQL database."""
    srv = start_server(pg_module_db)
    try:
        agent_in(srv, "busy", live_call=True)
        with client_for(srv, token_for(srv, "admin")) as c:
            yield srv, c
    finally:
        srv.stop()
