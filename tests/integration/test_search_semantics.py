"""One search on both sides of the wire: for every query of a table, the users a bulk job
"matching the current filters" resolves to on the server are exactly the users the panel
shows for that search (docs/rules.md, "Search")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contact_center.domain.bulk import resolve_scope
from contact_center.testing.server import ServerThread
from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import UserRow
from supervisor_console.bulk.scope import Scope, ScopeKind
from supervisor_console.panel.filters import PanelFilter
from tests.support.accounts import ADMIN_PW
from tests.support.backend import agent_ids, set_state, start_server

QUERIES = [
    "",
    "   ",
    "ada",
    "ADA",
    "lovelace agent",  # words in different fields: name and username
    "agent lovelace",
    "STRASSE",  # case folding: ß
    "straße",
    "müller",
    "MÜLLER",
    "h.mueller@",
    "1001",
    "+1555",
    "ada zzz",  # every word must match
    "zzz",
    "a",
]


@pytest.fixture(scope="module")
def search_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One backend for the module (SEED_USERS agents), three agents with names to search."""
    db: Path = tmp_path_factory.mktemp("search") / "cc.db"
    thread = start_server(db)
    ids = agent_ids(thread)
    set_state(thread, ids[0], "available", first_name="Ada", last_name="Lovelace")
    set_state(thread, ids[1], "available", first_name="Jörg", last_name="Straße")
    set_state(
        thread,
        ids[2],
        "available",
        first_name="Hans",
        last_name="Müller",
        email="h.mueller@example.com",
    )
    yield thread
    thread.stop()


def panel_ids(search_server: ServerThread, query: str) -> set[int]:
    async def rows() -> list[UserRow]:
        async with ApiClient(search_server.base_url) as client:
            await client.login("admin", ADMIN_PW)
            found, _cursor = await client.users()
        return list(found)

    panel = PanelFilter(search=query)
    return {row.id for row in asyncio.run(rows()) if panel.matches(row, stuck=False)}


def server_ids(search_server: ServerThread, query: str) -> set[int]:
    scope = Scope(ScopeKind.FILTER, (), PanelFilter(search=query)).to_json()
    assert search_server.store is not None
    with search_server.store.read() as conn:
        return {row["id"] for row in resolve_scope(conn, scope)}


def preview_total(search_server: ServerThread, query: str) -> int:
    """The same scope through HTTP, as the console's bulk dialog previews it."""
    base = f"{search_server.base_url}/api/v1"
    with httpx.Client(timeout=10) as http:
        token = http.post(
            f"{base}/auth/login", json={"username": "admin", "password": ADMIN_PW}
        ).json()["token"]
        scope = Scope(ScopeKind.FILTER, (), PanelFilter(search=query)).to_json()
        answer = http.post(
            f"{base}/bulk-jobs/preview",
            json={"action": "logout", "scope": scope, "params": {}},
            headers={"Authorization": f"Bearer {token}"},
        )
    answer.raise_for_status()
    return int(answer.json()["total"])


@pytest.mark.parametrize("query", QUERIES)
def test_the_server_resolves_what_the_panel_shows(search_server: ServerThread, query: str) -> None:
    shown = panel_ids(search_server, query)
    assert server_ids(search_server, query) == shown
    assert preview_total(search_server, query) == len(shown)


def test_the_table_covers_the_cases(search_server: ServerThread) -> None:
    ada, jorg, hans = agent_ids(search_server)[:3]
    assert panel_ids(search_server, "lovelace agent") == {ada}
    assert panel_ids(search_server, "STRASSE") == {jorg}
    assert panel_ids(search_server, "MÜLLER") == {hans}
    assert panel_ids(search_server, "ada zzz") == set()
