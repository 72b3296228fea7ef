"""The panel row on the wire: the server answers exactly tests/data/golden_row.json for a
user stored with its values; the console's decoder reads the same file
(tests/unit/test_golden_row_decode.py). One file, both sides of the wire."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, insert, update

from contact_center.storage.tables import calls, sessions, users
from contact_center.testing.server import ServerThread
from tests.support.backend import agent_ids, store_of

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden_row.json"


def ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def store_golden(server: ServerThread, golden: dict[str, Any]) -> tuple[int, int]:
    """Write the golden values into an agent's row (no feed entry: a read test); returns
    the user's and the live call's ids."""
    uid = agent_ids(server)[0]
    plain = {
        k: golden[k]
        for k in (
            "version", "username", "first_name", "last_name", "email", "extension",
            "phone_number", "role", "desks", "skills", "tags", "active", "two_factor",
            "must_change_password",
            "status", "status_text", "changed_by",
        )
    }  # fmt: skip
    when = {k: ts(golden[k]) for k in ("status_since", "last_activity", "changed_at")}
    call = golden["live_call"]
    with store_of(server).write() as conn:
        conn.execute(update(users).where(users.c.id == uid).values(**plain, **when))
        conn.execute(delete(calls).where(calls.c.user_id == uid, calls.c.ended_at.is_(None)))
        inserted = conn.execute(
            insert(calls).values(
                user_id=uid, direction=call["direction"], peer=call["peer"],
                started_at=ts(call["started_at"]), recording="rec/golden.wav",
            )
        ).inserted_primary_key  # fmt: skip
        assert inserted is not None
        call_id = inserted[0]
        conn.execute(delete(sessions).where(sessions.c.user_id == uid))
        for client in ("desktop", "web")[: golden["session_count"]]:
            conn.execute(
                insert(sessions).values(
                    user_id=uid, client=client, started_at=when["status_since"],
                    last_seen=when["last_activity"],
                )
            )  # fmt: skip
    return uid, int(call_id)


def test_the_server_sends_the_golden_row(server: ServerThread, admin: httpx.Client) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    uid, call_id = store_golden(server, golden)
    expected = {**golden, "id": uid, "live_call": {**golden["live_call"], "id": call_id}}
    assert admin.get(f"/users/{uid}").json() == expected
    snapshot = admin.get("/users").json()["users"]
    assert next(row for row in snapshot if row["id"] == uid) == expected
