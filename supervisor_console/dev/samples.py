"""Made-up user rows for tests and benchmarks of the panel (no backend needed)."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from supervisor_console.api.types import LiveCall, Status, UserRow

EPOCH = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
DESKS = ["Sales", "Support", "Billing", "Retention", "Outbound"]
SKILLS = ["english", "spanish", "french", "german", "tier2", "vip"]
TAGS = ["night", "weekend", "trainee", "remote"]
ROLES = ["agent", "agent", "agent", "agent", "supervisor", "admin"]


def make_row(user_id: int, **overrides: Any) -> UserRow:
    """A plausible, deterministic row; any field can be overridden."""
    fields: dict[str, Any] = {
        "id": user_id,
        "version": 1,
        "username": f"agent{user_id}",
        "first_name": FIRST[user_id % len(FIRST)],
        "last_name": LAST[user_id % len(LAST)],
        "email": f"agent{user_id}@example.com",
        "extension": str(1000 + user_id),
        "phone_number": f"+1555{user_id:07d}",
        "role": ROLES[user_id % len(ROLES)],
        "desks": (DESKS[user_id % len(DESKS)],),
        "skills": (SKILLS[user_id % len(SKILLS)],),
        "tags": (),
        "active": True,
        "two_factor": user_id % 3 == 0,
        "status": Status.AVAILABLE,
        "status_text": None,
        "status_since": EPOCH,
        "live_call": None,
        "session_count": 1,
        "last_activity": EPOCH,
        "changed_by": "system",
        "changed_at": EPOCH,
    }
    fields.update(overrides)
    return UserRow(**fields)


def random_row(user_id: int, rng: random.Random, now: datetime = EPOCH) -> UserRow:
    status = rng.choice(list(Status))
    since = now - timedelta(seconds=rng.randrange(0, 7200))
    call = None
    if status is Status.BUSY and rng.random() < 0.9:
        call = LiveCall(
            rng.randrange(1, 10**9),
            rng.choice(("inbound", "outbound")),
            f"+1555{rng.randrange(10**7):07d}",
            since,
        )
    return make_row(
        user_id,
        first_name=rng.choice(FIRST),
        last_name=rng.choice(LAST),
        status=status,
        status_text="Lunch" if status is Status.OTHER else None,
        status_since=since,
        live_call=call,
        session_count=0 if status is Status.OFFLINE else rng.randrange(1, 3),
        desks=tuple(rng.sample(DESKS, rng.randrange(1, 3))),
        skills=tuple(rng.sample(SKILLS, rng.randrange(1, 4))),
        tags=tuple(rng.sample(TAGS, rng.randrange(0, 2))),
        active=rng.random() > 0.05,
        changed_at=since,
    )


def changed(row: UserRow, rng: random.Random, now: datetime = EPOCH) -> UserRow:
    """The same user after one simulated change (a newer version)."""
    fresh = random_row(row.id, rng, now)
    return dataclasses.replace(
        fresh, first_name=row.first_name, last_name=row.last_name, version=row.version + 1
    )
