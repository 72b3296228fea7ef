"""Reset and recycle a seat: each option does exactly what docs/rules.md ("Reset and recycle")
says, and nothing more."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select, update

from contact_center.storage.tables import (
    answering_rules,
    calls,
    contacts,
    devices,
    greetings,
    lines,
    phone_numbers,
    users,
    voicemails,
)
from contact_center.testing.server import ServerThread
from tests.support.backend import agent_in, assert_problem, row, sql_rows, store_of

OPTIONS = (
    "delete_voicemail",
    "delete_greetings",
    "delete_answering_rules",
    "delete_custom_contacts",
    "unassign_phone_number",
    "remove_lines",
)


def number_of(uid: int) -> str:
    return f"+1555888{uid:04d}"


def furnish(server: ServerThread, uid: int) -> dict[str, int]:
    """Give the user one of everything a reset can touch; returns the device ids by kind."""
    with store_of(server).write() as conn:
        for table in (voicemails, greetings, answering_rules, lines):
            conn.execute(table.delete().where(table.c.user_id == uid))
        conn.execute(contacts.delete().where(contacts.c.owner_id == uid))
        conn.execute(devices.delete().where(devices.c.user_id == uid))
        conn.execute(
            voicemails.insert(),
            [{"user_id": uid, "box": b, "caller": "+1555", "received_at": 1.0}
             for b in ("new", "saved", "trash")],
        )  # fmt: skip
        conn.execute(
            greetings.insert(),
            [{"user_id": uid, "kind": k, "label": k} for k in ("standard", "timeframe", "name")],
        )
        conn.execute(
            answering_rules.insert(),
            [
                {"user_id": uid, "name": "Default", "is_default": True, "action": "Ring"},
                {"user_id": uid, "name": "After hours", "is_default": False, "action": "VM"},
            ],
        )
        conn.execute(
            contacts.insert(),
            [{"owner_id": uid, "name": f"Mine {i}", "number": "+1"} for i in range(2)],
        )
        conn.execute(phone_numbers.delete().where(phone_numbers.c.user_id == uid))
        number = number_of(uid)
        conn.execute(phone_numbers.insert().values(number=number, user_id=uid, state="assigned"))
        conn.execute(update(users).where(users.c.id == uid).values(phone_number=number))
        ids = {}
        for kind, mac in (("physical", "aa:bb:cc:dd:ee:ff"), ("soft", None), ("mobile", None)):
            key = conn.execute(
                devices.insert().values(user_id=uid, kind=kind, mac=mac, model=kind)
            ).inserted_primary_key
            assert key is not None
            dev = key[0]
            conn.execute(lines.insert().values(device_id=dev, user_id=uid, extension="1"))
            ids[kind] = int(dev)
    return ids


def snapshot(server: ServerThread, uid: int) -> dict[str, Any]:
    """Everything a reset could touch, for this user and for everyone else."""

    def q(table: Any, col: Any) -> list[dict[str, Any]]:
        return sql_rows(server, select(table).where(col == uid).order_by(*table.primary_key))

    def others(table: Any, col: Any) -> list[dict[str, Any]]:
        return sql_rows(
            server,
            select(table).where((col != uid) | col.is_(None)).order_by(*table.primary_key),
        )

    pairs = {
        "voicemails": (voicemails, voicemails.c.user_id),
        "greetings": (greetings, greetings.c.user_id),
        "rules": (answering_rules, answering_rules.c.user_id),
        "contacts": (contacts, contacts.c.owner_id),
        "numbers": (phone_numbers, phone_numbers.c.user_id),
        "devices": (devices, devices.c.user_id),
        "lines": (lines, lines.c.user_id),
        "calls": (calls, calls.c.user_id),
    }
    out: dict[str, Any] = {}
    for name, (table, col) in pairs.items():
        out[name] = q(table, col)
        out[f"others_{name}"] = others(table, col)
    return out


def reset(client: httpx.Client, uid: int, **options: Any) -> httpx.Response:
    return client.post(f"/users/{uid}/reset", json=options)


EXPECTED_CHANGE = {
    "delete_voicemail": {"voicemails"},
    "delete_greetings": {"greetings"},
    "delete_answering_rules": {"rules"},
    "delete_custom_contacts": {"contacts"},
    # the number and the desk phone stay in inventory, without an owner
    "unassign_phone_number": {"numbers", "others_numbers"},
    "remove_lines": {"lines", "devices", "others_devices"},
}


def test_each_option_does_only_its_part(server: ServerThread, admin: httpx.Client) -> None:
    for i, option in enumerate(OPTIONS):
        check_one_option(server, admin, option, agent_in(server, "available", index=i))


def check_one_option(server: ServerThread, admin: httpx.Client, option: str, uid: int) -> None:
    devs = furnish(server, uid)
    before = snapshot(server, uid)
    r = reset(admin, uid, expected_status="available", **{option: True})
    assert r.status_code == 200, r.text
    after = snapshot(server, uid)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == EXPECTED_CHANGE[option]
    summary = r.json()["summary"]
    user = r.json()["user"]
    if option == "delete_voicemail":
        assert after["voicemails"] == []
        assert summary["voicemails_deleted"] == 3
    elif option == "delete_greetings":
        assert after["greetings"] == []
        assert summary["greetings_deleted"] == 3
    elif option == "delete_answering_rules":
        assert summary["answering_rules_deleted"] == 2
        assert summary["default_rule_restored"]
        assert [(r["name"], r["is_default"]) for r in after["rules"]] == [("Default", True)]
    elif option == "delete_custom_contacts":
        assert after["contacts"] == []
        assert summary["contacts_deleted"] == 2
        assert len([c for c in after["others_contacts"] if c["owner_id"] is None]) == 5
    elif option == "unassign_phone_number":
        assert after["numbers"] == []
        assert user["phone_number"] is None
        number = number_of(uid)
        freed = sql_rows(server, select(phone_numbers).where(phone_numbers.c.number == number))
        assert freed == [{"number": number, "user_id": None, "state": "available"}]
    elif option == "remove_lines":
        assert after["lines"] == []
        assert after["devices"] == []
        assert summary["lines_removed"] == 3
        assert summary["physical_phones_unassigned"] == 1
        assert summary["soft_phones_removed"] == 2
        left = sql_rows(server, select(devices).where(devices.c.id.in_(devs.values())))
        assert [(d["id"], d["user_id"], d["mac"]) for d in left] == [
            (devs["physical"], None, "aa:bb:cc:dd:ee:ff")
        ]
    if option != "unassign_phone_number":
        assert user["phone_number"] == number_of(uid)
    # name and email are cleared by every reset; calls are never touched
    assert (user["first_name"], user["last_name"], user["email"]) == ("", "", None)
    assert after["calls"] == before["calls"]


def test_all_options_and_recycle(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "busy", live_call=True)
    furnish(server, uid)
    before = snapshot(server, uid)
    recycle = {
        "first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
        "send_welcome_email": True,
    }  # fmt: skip
    r = reset(admin, uid, **dict.fromkeys(OPTIONS, True), recycle=recycle)
    assert r.status_code == 200, r.text
    user, summary = r.json()["user"], r.json()["summary"]
    assert (user["first_name"], user["last_name"], user["email"]) == (
        "Grace", "Hopper", "grace@example.com",
    )  # fmt: skip
    assert summary["welcome_email"] == "queued"
    # issue 14: a recycle hands the seat over; the old holder's call ends (its log is kept)
    assert user["live_call"] is None
    assert summary["ended_call"]["peer"] == "+15550009999"
    after = snapshot(server, uid)
    for name in ("voicemails", "greetings", "contacts", "numbers", "devices", "lines"):
        assert after[name] == [], name
    assert len(after["rules"]) == 1
    assert [c for c in after["calls"] if c["ended_by"] != "seat recycled"] == [
        c for c in before["calls"] if c["ended_at"] is not None
    ]
    for name in before:
        if name.startswith("others_") and name not in ("others_devices", "others_numbers"):
            assert after[name] == before[name], name


def test_reset_without_options_still_clears_name_and_email(
    server: ServerThread, admin: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    furnish(server, uid)
    before = snapshot(server, uid)
    r = reset(admin, uid)
    assert r.status_code == 200
    assert r.json()["summary"] == {}
    assert (r.json()["user"]["first_name"], r.json()["user"]["email"]) == ("", None)
    assert r.json()["user"]["username"] == row(admin, uid)["username"]
    assert snapshot(server, uid) == before


def test_invalid_recycle_is_422_and_changes_nothing(
    server: ServerThread, admin: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    furnish(server, uid)
    before, row_before = snapshot(server, uid), row(admin, uid)
    for recycle in [
        {"first_name": "A", "last_name": "B", "email": "not-an-email"},
        {"first_name": "A", "last_name": "B", "email": "a b@example.com"},
        {"first_name": "  ", "last_name": "B", "email": "ab@example.com"},
    ]:
        r = reset(admin, uid, **dict.fromkeys(OPTIONS, True), recycle=recycle)
        assert_problem(r, 422)
        assert snapshot(server, uid) == before
        assert row(admin, uid) == row_before


def test_recycle_with_an_email_in_use_is_refused(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    furnish(server, uid)
    taken = row(admin, agent_in(server, "available", index=1))["email"]
    before = snapshot(server, uid)
    recycle = {"first_name": "A", "last_name": "B", "email": taken}
    r = reset(admin, uid, delete_voicemail=True, recycle=recycle)
    assert_problem(r, 409, taken)
    assert snapshot(server, uid) == before
