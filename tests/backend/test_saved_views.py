"""Saved views (issue 15): a console user's named layouts, private or shared; names unique per
owner ignoring case; owner-only changes with If-Match; deletes by the owner or, for a shared
view, an admin; another user's private view is 404; audit records for shared views only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from contact_center.storage.tables import saved_views, users
from contact_center.testing.server import ServerThread
from tests.support.backend import (
    arrange,
    assert_problem,
    client_for,
    sql_rows,
    token_for,
)

LAYOUT: dict[str, Any] = {
    "columns": ["name", "status", "since"],
    "widths": {"name": 180, "status": 90},
    "filter": {"statuses": ["busy", "unavailable"], "stuck": True, "search": "Straße"},
    "sort": [["since", "desc"]],
    "zoom": 1.25,
    "note": None,
}


def view_audit(client: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for action in ("view-create", "view-update", "view-delete"):
        found += client.get("/audit", params={"action": action}).json()
    return sorted(found, key=lambda e: e["id"])


def make(client: httpx.Client, name: str, *, shared: bool = False, **extra: Any) -> dict[str, Any]:
    r = client.post("/views", json={"name": name, "shared": shared, "layout": LAYOUT, **extra})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    assert r.headers["ETag"] == f'"{body["version"]}"'
    return body


def names(client: httpx.Client) -> list[tuple[str, str]]:
    r = client.get("/views")
    assert r.status_code == 200, r.text
    return [(v["name"], v["owner"]) for v in r.json()["views"]]


@pytest.fixture
def second_admin(server: ServerThread) -> Iterator[httpx.Client]:
    """The supervisor account made an admin: a second admin with its own views."""
    [found] = sql_rows(server, select(users.c.id).where(users.c.username == "supervisor"))
    arrange(server, found["id"], role="admin")
    with client_for(server, token_for(server, "supervisor")) as c:
        yield c


def test_create_and_list(admin: httpx.Client, supervisor: httpx.Client) -> None:
    assert admin.get("/views").json() == {"views": []}
    view = make(supervisor, "Stuck dialers")
    assert view["name"] == "Stuck dialers"
    assert view["owner"] == "supervisor"
    assert view["shared"] is False
    assert view["layout"] == LAYOUT
    assert list(view["layout"]) == list(LAYOUT)  # stored as given, keys in order
    assert view["version"] == 1
    assert view["created_at"] == view["updated_at"]
    assert isinstance(view["id"], int)
    assert supervisor.get("/views").json() == {"views": [view]}
    assert admin.get("/views").json() == {"views": []}  # not shared: the owner's only
    # the default is private; an empty layout is a layout
    bare = supervisor.post("/views", json={"name": "bare", "layout": {}})
    assert bare.status_code == 201, bare.text
    assert (bare.json()["shared"], bare.json()["layout"]) == (False, {})


def test_own_and_shared_views_by_name(admin: httpx.Client, supervisor: httpx.Client) -> None:
    make(supervisor, "zeta")
    make(supervisor, "Alpha", shared=True)
    make(admin, "beta")
    make(admin, "alpha", shared=True)  # another owner's "alpha" is allowed
    make(admin, "Gamma", shared=True)
    assert names(supervisor) == [
        ("Alpha", "supervisor"), ("alpha", "admin"), ("Gamma", "admin"), ("zeta", "supervisor"),
    ]  # fmt: skip
    assert names(admin) == [
        ("Alpha", "supervisor"), ("alpha", "admin"), ("beta", "admin"), ("Gamma", "admin"),
    ]  # fmt: skip


def test_names_are_unique_per_owner_ignoring_case(
    admin: httpx.Client, supervisor: httpx.Client
) -> None:
    make(supervisor, "Late breaks")
    for taken in ("late BREAKS", "Late breaks", "  late breaks "):
        r = supervisor.post("/views", json={"name": taken, "layout": {}})
        body = assert_problem(r, 409)
        assert body["detail"] == "You already have a view named Late breaks."
        assert body["reason"] == "name_taken"
    assert len(names(supervisor)) == 1
    # renaming onto another of one's own names is refused too; onto one's own name in
    # another case is a rename
    other = make(supervisor, "Queue")
    r = supervisor.put(
        f"/views/{other['id']}", json={"name": "LATE BREAKS"}, headers={"If-Match": "1"}
    )
    assert assert_problem(r, 409)["detail"] == "You already have a view named Late breaks."
    r = supervisor.put(f"/views/{other['id']}", json={"name": "QUEUE"}, headers={"If-Match": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "QUEUE"
    # names are the owner's: another user may use it
    assert admin.post("/views", json={"name": "late breaks", "layout": {}}).status_code == 201


def test_name_and_layout_limits(supervisor: httpx.Client) -> None:
    ok = supervisor.post("/views", json={"name": "n" * 60, "layout": {}})
    assert ok.status_code == 201, ok.text
    bad: list[tuple[dict[str, Any], str]] = [
        ({"name": "", "layout": {}}, "name"),
        ({"name": "   ", "layout": {}}, "name"),
        ({"name": "n" * 61, "layout": {}}, "name"),
        ({"name": "a\u0000b", "layout": {}}, "name"),
        ({"name": "x", "layout": []}, "layout"),
        ({"name": "x", "layout": "columns"}, "layout"),
        ({"name": "x"}, "layout"),
        ({"layout": {}}, "name"),
        ({"name": "x", "layout": {}, "shared": "yes"}, "shared"),
        ({"name": "x", "layout": {}, "owner": "admin"}, "owner"),
        ({"name": "x", "layout": {"blob": "b" * (64 * 1024)}}, "layout"),
        ({"name": "x", "layout": {"a\u0000": 1}}, "layout"),
    ]
    for body, field in bad:
        r = supervisor.post("/views", json=body)
        problem = assert_problem(r, 422)
        assert field in problem["errors"], (body, problem["errors"])
    big = assert_problem(
        supervisor.post("/views", json={"name": "x", "layout": {"blob": "b" * 70_000}}), 422
    )
    assert big["errors"]["layout"] == "The layout is larger than 64 KB (70011 bytes as JSON)."
    # just under 64 KB is stored as given
    blob = "b" * (64 * 1024 - len('{"blob":""}'))
    r = supervisor.post("/views", json={"name": "big", "layout": {"blob": blob}})
    assert r.status_code == 201, r.text
    assert r.json()["layout"]["blob"] == blob
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(70):
        inner["d"] = {}
        inner = inner["d"]
    r = supervisor.post("/views", json={"name": "deep", "layout": deep})
    assert assert_problem(r, 422)["errors"]["layout"].startswith("The layout is nested too deeply")
    # not JSON: NaN and Infinity (Python's parser takes them)
    raw = b'{"name": "nan", "layout": {"zoom": NaN}}'
    r = supervisor.post("/views", content=raw, headers={"Content-Type": "application/json"})
    assert assert_problem(r, 422)["errors"]["layout"] == (
        "The layout must be plain JSON: no NaN or Infinity."
    )
    raw = b'{"name": "surrogate", "layout": {"s": "\\ud800"}}'
    r = supervisor.post("/views", content=raw, headers={"Content-Type": "application/json"})
    assert "layout" in assert_problem(r, 422)["errors"]
    assert [n for n, _ in names(supervisor)] == ["big", "n" * 60]


def test_change_with_if_match(admin: httpx.Client, supervisor: httpx.Client) -> None:
    view = make(supervisor, "Mine")
    path = f"/views/{view['id']}"
    assert_problem(supervisor.put(path, json={"shared": True}), 428, "If-Match")
    assert_problem(supervisor.put(path, json={"shared": True}, headers={"If-Match": "x"}), 400)
    new_layout = {"columns": ["name"], "widths": {}}
    r = supervisor.put(
        path, json={"name": "Mine, shared", "shared": True, "layout": new_layout},
        headers={"If-Match": '"1"'},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    changed = r.json()
    assert r.headers["ETag"] == '"2"'
    assert (changed["name"], changed["shared"], changed["layout"]) == (
        "Mine, shared", True, new_layout,
    )  # fmt: skip
    assert changed["version"] == 2
    assert changed["created_at"] == view["created_at"]
    assert changed["updated_at"] >= view["updated_at"]
    # a stale version: 409 with the view as it is now
    stale = supervisor.put(path, json={"name": "Other"}, headers={"If-Match": "1"})
    body = assert_problem(stale, 409, "Nothing was changed", "version 2", "you saw version 1")
    assert body["reason"] == "changed"
    assert body["current"] == changed
    # a field left out keeps its value; null is not a value
    r = supervisor.put(path, json={"layout": LAYOUT}, headers={"If-Match": "2"})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["shared"], r.json()["layout"]) == (
        "Mine, shared", True, LAYOUT,
    )  # fmt: skip
    assert (
        "name"
        in assert_problem(
            supervisor.put(path, json={"name": None}, headers={"If-Match": "3"}), 422
        )["errors"]
    )
    # the same values again: nothing written, the version stays
    same = supervisor.put(path, json={"shared": True, "layout": LAYOUT}, headers={"If-Match": "3"})
    assert same.json()["version"] == 3
    # the same keys in another order are a change: the layout is stored as given
    reordered = dict(reversed(list(LAYOUT.items())))
    r = supervisor.put(path, json={"layout": reordered}, headers={"If-Match": "3"})
    assert r.json()["version"] == 4
    assert list(r.json()["layout"]) == list(reordered)
    assert supervisor.get("/views").json()["views"] == [r.json()]
    assert admin.get("/views").json()["views"] == [r.json()]  # shared now


def test_only_the_owner_changes_a_view(
    admin: httpx.Client, supervisor: httpx.Client, anon: httpx.Client
) -> None:
    private = make(admin, "Admin's own")
    shared = make(admin, "Floor", shared=True)
    # another's private view does not exist for the caller
    for r in (
        supervisor.put(f"/views/{private['id']}", json={"name": "x"}, headers={"If-Match": "1"}),
        supervisor.delete(f"/views/{private['id']}"),
        supervisor.put("/views/999999", json={"name": "x"}, headers={"If-Match": "1"}),
        supervisor.delete("/views/999999"),
    ):
        assert assert_problem(r, 404)["detail"].startswith("There is no view with id ")
    r = supervisor.put(f"/views/{shared['id']}", json={"name": "Mine"}, headers={"If-Match": "1"})
    assert assert_problem(r, 403)["detail"] == (
        "The view Floor is admin's: only its owner can change it."
    )
    r = supervisor.delete(f"/views/{shared['id']}")
    assert assert_problem(r, 403)["detail"] == (
        "The view Floor is admin's: only its owner or an admin can delete it."
    )
    assert names(admin) == [("Admin's own", "admin"), ("Floor", "admin")]
    assert_problem(anon.get("/views"), 401)
    assert_problem(admin.put("/views/0", json={}, headers={"If-Match": "1"}), 422)


def test_agents_have_no_views(server: ServerThread) -> None:
    with client_for(server, token_for(server, "agent00001")) as agent:
        body = assert_problem(agent.post("/views", json={"name": "x", "layout": {}}), 403)
        assert body["reason"] == "agent"
        assert_problem(agent.get("/views"), 403)


def test_deletes(admin: httpx.Client, supervisor: httpx.Client, second_admin: httpx.Client) -> None:
    mine = make(supervisor, "Mine")
    r = supervisor.delete(f"/views/{mine['id']}")
    assert r.status_code == 204
    assert r.content == b""
    assert names(supervisor) == []
    assert_problem(supervisor.delete(f"/views/{mine['id']}"), 404)
    # an admin deletes another's shared view, not their private one (it is not theirs to see)
    shared = make(second_admin, "Team", shared=True)
    private = make(second_admin, "Private")
    assert_problem(admin.delete(f"/views/{private['id']}"), 404)
    assert admin.delete(f"/views/{shared['id']}").status_code == 204
    assert names(second_admin) == [("Private", "supervisor")]


def test_audit_records_for_shared_views_only(admin: httpx.Client, supervisor: httpx.Client) -> None:
    private = make(supervisor, "Private")
    supervisor.put(f"/views/{private['id']}", json={"name": "Still"}, headers={"If-Match": "1"})
    supervisor.delete(f"/views/{private['id']}")
    assert view_audit(admin) == []
    view = make(supervisor, "Shared", shared=True)
    path = f"/views/{view['id']}"
    assert (
        supervisor.put(path, json={"shared": False}, headers={"If-Match": "1"}).status_code == 200
    )
    # private now: a further change is not audited; sharing it again is
    assert (
        supervisor.put(path, json={"name": "Quiet"}, headers={"If-Match": "2"}).status_code == 200
    )
    assert supervisor.put(path, json={"shared": True}, headers={"If-Match": "3"}).status_code == 200
    assert admin.delete(path).status_code == 204
    records = view_audit(admin)
    assert [(e["action"], e["actor"], e["target_name"]) for e in records] == [
        ("view-create", "supervisor", "Shared"),
        ("view-update", "supervisor", "Shared"),
        ("view-update", "supervisor", "Quiet"),
        ("view-delete", "admin", "Quiet"),
    ]
    create, unshare, reshare, delete = records
    assert create["before"] is None
    assert create["after"] == {
        "id": view["id"], "name": "Shared", "owner": "supervisor", "shared": True,
        "layout": LAYOUT,
    }  # fmt: skip
    assert (unshare["before"]["shared"], unshare["after"]["shared"]) == (True, False)
    assert (reshare["before"]["name"], reshare["after"]["shared"]) == ("Quiet", True)
    assert delete["after"] is None
    assert delete["before"]["owner"] == "supervisor"
    assert all(e["target_id"] is None and e["request_id"] for e in records)


def test_views_write_no_feed_entry(admin: httpx.Client) -> None:
    cursor = admin.get("/users").json()["cursor"]
    view = make(admin, "Quiet", shared=True)
    admin.put(f"/views/{view['id']}", json={"name": "Still quiet"}, headers={"If-Match": "1"})
    admin.delete(f"/views/{view['id']}")
    assert admin.get("/users").json()["cursor"] == cursor


def test_a_deleted_users_views_go_with_them(
    server: ServerThread, admin: httpx.Client, supervisor: httpx.Client
) -> None:
    make(supervisor, "Shared by a leaver", shared=True)
    make(supervisor, "Private of a leaver")
    assert names(admin) == [("Shared by a leaver", "supervisor")]
    [found] = sql_rows(server, select(users.c.id).where(users.c.username == "supervisor"))
    r = admin.delete(f"/users/{found['id']}")
    assert r.status_code == 200, r.text
    assert names(admin) == []
    assert sql_rows(server, select(saved_views)) == []
