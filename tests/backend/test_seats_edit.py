"""Edit user (issue 14, item 2): PATCH /users/{id} with If-Match, every bad field reported,
authority as for the actions, one audit record; the phone number inventory."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from contact_center.storage.tables import phone_numbers
from contact_center.testing.server import ServerThread
from tests.support.backend import (
    agent_in,
    assert_problem,
    client_for,
    row,
    sql_rows,
    token_for,
)


def edit(client: httpx.Client, uid: int, version: int | None, **fields: Any) -> httpx.Response:
    headers = {} if version is None else {"If-Match": str(version)}
    return client.patch(f"/users/{uid}", json=fields, headers=headers)


def free_numbers(client: httpx.Client) -> list[str]:
    found = client.get("/phone-numbers", params={"available": "true"}).json()["phone_numbers"]
    assert all(n["state"] == "available" and n["user_id"] is None for n in found)
    return [n["number"] for n in found]


def test_edit_every_field(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    before = row(admin, uid)
    new_number = free_numbers(admin)[0]
    r = edit(
        admin, uid, before["version"],
        first_name=" Ada ", last_name="Lovelace", email="Ada.Lovelace@example.com",
        extension="4242", phone_number=new_number, role="supervisor",
        desks=["Sales", "Sales", "Support"], skills=["english"], tags=[],
    )  # fmt: skip
    assert r.status_code == 200, r.text
    user = r.json()["user"]
    assert user["version"] > before["version"]
    assert (user["first_name"], user["last_name"], user["email"]) == (
        "Ada", "Lovelace", "Ada.Lovelace@example.com",
    )  # fmt: skip
    assert (user["extension"], user["phone_number"], user["role"]) == (
        "4242", new_number, "supervisor",
    )  # fmt: skip
    assert (user["desks"], user["skills"], user["tags"]) == (["Sales", "Support"], ["english"], [])
    assert user["changed_by"] == "admin"
    # the old number went back to the inventory; the new one is this user's
    numbers = sql_rows(server, select(phone_numbers).where(phone_numbers.c.user_id == uid))
    assert [(n["number"], n["state"]) for n in numbers] == [(new_number, "assigned")]
    assert before["phone_number"] in free_numbers(admin) or before["phone_number"] is None
    assert new_number not in free_numbers(admin)
    entries = [e for e in admin.get(f"/users/{uid}/activity").json() if e["action"] == "edit"]
    assert len(entries) == 1
    assert entries[0]["before"]["extension"] == before["extension"]
    assert entries[0]["after"]["email"] == "Ada.Lovelace@example.com"
    assert entries[0]["after"]["role"] == "supervisor"


def test_null_clears_email_and_unassigns_the_number(
    server: ServerThread, admin: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    number = free_numbers(admin)[0]
    v = edit(admin, uid, row(admin, uid)["version"], phone_number=number).json()["user"]["version"]
    r = edit(admin, uid, v, email=None, phone_number=None)
    assert r.status_code == 200, r.text
    assert (r.json()["user"]["email"], r.json()["user"]["phone_number"]) == (None, None)
    assert number in free_numbers(admin)


def test_if_match_is_required_and_checked(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    before = row(admin, uid)
    assert_problem(edit(admin, uid, None, first_name="X"), 428, "If-Match")
    body = assert_problem(edit(admin, uid, before["version"] - 1, first_name="X"), 409, "version")
    assert body["current"] == before
    assert row(admin, uid) == before


def test_every_bad_field_is_named(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available", index=0)
    other = row(admin, agent_in(server, "available", index=1))
    before = row(admin, uid)
    name = f"{other['first_name']} {other['last_name']}"
    r = edit(
        admin, uid, before["version"],
        email=other["email"].upper(), extension=other["extension"], first_name="  ",
        phone_number="+19999999999",
    )  # fmt: skip
    body = assert_problem(r, 422, "already used by")
    assert body["errors"] == {
        "email": f"That email is already used by {name} ({other['username']}).",
        "extension": f"Extension {other['extension']} is already {name}'s.",
        "first_name": "The first name cannot be empty.",
        "phone_number": "The number +19999999999 is not in the inventory.",
    }
    r = edit(admin, uid, before["version"], email="not an email", extension="12a")
    body = assert_problem(r, 422)
    assert body["errors"] == {
        "email": "'not an email' is not a valid email address.",
        "extension": "An extension is 2 to 16 digits.",
    }
    assert row(admin, uid) == before


def test_a_number_of_someone_else_is_not_available(
    server: ServerThread, admin: httpx.Client
) -> None:
    uid = agent_in(server, "available", index=0)
    taken = sql_rows(
        server, select(phone_numbers).where(phone_numbers.c.user_id.is_not(None)).limit(1)
    )[0]
    r = edit(admin, uid, row(admin, uid)["version"], phone_number=taken["number"])
    body = assert_problem(r, 422, "not available")
    assert set(body["errors"]) == {"phone_number"}
    # the user's own number is accepted as it is
    own = row(admin, taken["user_id"])
    r = edit(admin, own["id"], own["version"], phone_number=taken["number"], first_name="Same")
    assert r.status_code == 200, r.text
    assert r.json()["changed"] == ["first_name"]


def test_pydantic_errors_name_the_fields(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    r = edit(admin, uid, row(admin, uid)["version"], role="owner", first_name="x" * 101)
    body = assert_problem(r, 422)
    assert set(body["errors"]) == {"role", "first_name"}


def test_supervisor_edits_agents_but_never_roles(
    server: ServerThread, supervisor: httpx.Client, admin: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    v = row(supervisor, uid)["version"]
    r = edit(supervisor, uid, v, role="admin")
    assert_problem(r, 403, "Your role (supervisor) cannot change roles.")
    r = edit(supervisor, uid, v, role="agent", last_name="Kept")  # no change of role: fine
    assert r.status_code == 200, r.text
    staff = row(admin, 1)
    r = edit(supervisor, 1, staff["version"], first_name="Mallory")
    assert_problem(r, 403, "Only an admin can act on an admin's account")
    assert row(admin, 1) == staff


def test_role_on_own_account_and_last_admin(server: ServerThread, admin: httpx.Client) -> None:
    me = row(admin, 1)
    assert_problem(edit(admin, 1, me["version"], role="agent"), 409, "your own role")
    r = edit(admin, 1, me["version"], first_name="Alexandra")  # one's own name: fine
    assert r.status_code == 200, r.text
    assert row(admin, 1)["role"] == "admin"


def test_a_role_change_revokes_the_users_tokens(server: ServerThread, admin: httpx.Client) -> None:
    sup = row(admin, 2)
    with client_for(server, token_for(server, "supervisor")) as c:
        assert c.get("/auth/me").status_code == 200
        r = edit(admin, 2, sup["version"], role="admin")
        assert r.status_code == 200, r.text
        assert c.get("/auth/me").status_code == 401


def test_last_active_admin_is_kept(server: ServerThread, admin: httpx.Client) -> None:
    # `supervisor` becomes an admin, then demotes `admin`; demoting `supervisor` is then
    # refused to everyone: their own account, and no other admin is left.
    sup = row(admin, 2)
    assert edit(admin, 2, sup["version"], role="admin").status_code == 200
    with client_for(server, token_for(server, "supervisor")) as second:
        first = row(second, 1)
        assert edit(second, 1, first["version"], role="supervisor").status_code == 200
        me = row(second, 2)
        assert_problem(edit(second, 2, me["version"], role="agent"), 409, "your own role")


def test_email_is_unique_ignoring_case_in_edit(server: ServerThread, admin: httpx.Client) -> None:
    a = agent_in(server, "available", index=0)
    b = agent_in(server, "available", index=1)
    assert edit(admin, a, row(admin, a)["version"], email="Same@Example.com").status_code == 200
    r = edit(admin, b, row(admin, b)["version"], email="same@example.COM")
    body = assert_problem(r, 422, "That email is already used by")
    assert set(body["errors"]) == {"email"}
    # one's own address in another case is not a conflict
    r = edit(admin, a, row(admin, a)["version"], email="same@example.com")
    assert r.status_code == 200, r.text


def test_nothing_changed_writes_nothing(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    before = row(admin, uid)
    r = edit(admin, uid, before["version"], first_name=before["first_name"] or "X")
    assert r.status_code == 200
    again = r.json()["user"]
    r = edit(admin, uid, again["version"], first_name=again["first_name"])
    assert r.status_code == 200
    assert r.json() == {"user": again, "changed": []}


def test_phone_number_inventory(server: ServerThread, supervisor: httpx.Client) -> None:
    every = supervisor.get("/phone-numbers").json()["phone_numbers"]
    free = supervisor.get("/phone-numbers?available=true").json()["phone_numbers"]
    taken = supervisor.get("/phone-numbers?available=false").json()["phone_numbers"]
    assert len(every) == len(free) + len(taken)
    assert free
    assert taken
    assert set(every[0]) == {"number", "state", "user_id"}
    assert [n["number"] for n in every] == sorted(n["number"] for n in every)
