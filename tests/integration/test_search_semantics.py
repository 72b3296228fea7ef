"""One search on both sides of the wire: for every query of a table, the users a bulk job
"matching the current filters" resolves to on the server are exactly the users the panel
shows for that search (docs/rules.md, "Search")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixtures_actions import agent_ids, arrange

from contact_center.domain.bulk import resolve_scope
from contact_center.testing.server import ServerThread
from supervisor_console.api.client import ApiClient
from supervisor_console.api.types import UserRow
from supervisor_console.bulk.scope import Scope, ScopeKind
from supervisor_console.panel.filters import PanelFilter

ADMIN_PW = "admin-search-pw"
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
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    db: Path = tmp_path_factory.mktemp("search") / "cc.db"
    thread = ServerThread(db, seed_users=40, admin_password=ADMIN_PW)
    thread.start()
    ids = agent_ids(thread)
    arrange(thread, ids[0], "available", first_name="Ada", last_name="Lovelace")
    arrange(thread, ids[1], "available", first_name="Jörg", last_name="Straße")
    arrange(
        thread,
        ids[2],
        "available",
        first_name="Hans",
        last_name="Müller",
        email="h.mueller@example.com",
    )
    yield thread
    thread.stop()


def panel_ids(server: ServerThread, query: str) -> set[int]:
    async def rows() -> list[UserRow]:
        async with ApiClient(server.base_url) as client:
            await client.login("admin", ADMIN_PW)
            found, _cursor = await client.users()
        return list(found)

    panel = PanelFilter(search=query)
    return {row.id for row in asyncio.run(rows()) if panel.matches(row, stuck=False)}


def server_ids(server: ServerThread, query: str) -> set[int]:
    scope = Scope(ScopeKind.FILTER, (), PanelFilter(search=query)).to_json()
    assert server.store is not None
    with server.store.read() as conn:
        return {row["id"] for row in resolve_scope(conn, scope)}


def preview_total(server: ServerThread, query: str) -> int:
    """The same scope through HTTP, as the console's bulk dialog previews it."""
    base = f"{server.base_url}/api/v1"
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
def test_the_server_resolves_what_the_panel_shows(server: ServerThread, query: str) -> None:
    shown = panel_ids(server, query)
    assert server_ids(server, query) == shown
    assert preview_total(server, query) == len(shown)


def test_the_table_covers_the_cases(server: ServerThread) -> None:
    ada, jorg, hans = agent_ids(server)[:3]
    assert panel_ids(server, "lovelace agent") == {ada}
    assert panel_ids(server, "STRASSE") == {jorg}
    assert panel_ids(server, "MÜLLER") == {hans}
    assert panel_ids(server, "ada zzz") == set()
