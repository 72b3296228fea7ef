"""The console reads tests/data/golden_row.json, the row the server is proved to send
(tests/backend/test_golden_row_answer.py), into the UserRow the panel shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from supervisor_console.api import wire
from supervisor_console.api.types import Status

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden_row.json"


def test_the_console_decodes_the_golden_row() -> None:
    row = wire.row(json.loads(GOLDEN.read_text(encoding="utf-8")))
    assert (row.name, row.username, row.email) == (
        "Ada Lovelace",
        "agent-golden",
        "ada.lovelace@example.com",
    )
    assert (row.extension, row.phone_number, row.role) == ("4242", "+15550004242", "agent")
    assert (row.desks, row.skills, row.tags) == (
        ("Sales", "Support"),
        ("english", "french"),
        ("team-lead",),
    )
    assert row.status is Status.BUSY
    assert row.active
    assert row.two_factor
    assert row.version == 7
    assert row.session_count == 2
    assert row.status_since == datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    assert row.live_call is not None
    assert (row.live_call.direction, row.live_call.peer) == ("inbound", "+15557654321")
    assert row.live_call.started_at == datetime(2026, 11, 30, 9, 15, 2, tzinfo=UTC)
