"""The floor an end-to-end test starts from: a seeded database prepared before the
backend starts. (Not in conftest.py: test modules import it.)"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from contact_center.domain.auth import hash_password
from contact_center.sim.seed import seed
from contact_center.storage.clock import now
from contact_center.storage.journal import touch
from contact_center.storage.store import Store
from contact_center.storage.tables import calls, sessions, users

ADMIN_PW = "admin-e2e-password"
HOLDER_PW = "the old holder's password"  # the Busy agent's, for a seat recycled under them
SUPER_PW = "super-e2e-password"
AGENTS = 30


@dataclass
class Floor:
    """What the test arranged in the database before the backend started."""

    stuck_id: int
    stuck_name: str
    agent_names: dict[int, str]
    busy_id: int = 0  # Busy on a live call
    break_id: int = 0  # on Break


def prepare(db: Path) -> Floor:
    """Seed the database, then: every agent Available with one session, except one
    stuck dialer (Unavailable, no call), one Busy on a live call and one on Break. Done
    before the server starts."""
    store = Store(f"sqlite:///{db}")
    try:
        seed(store, AGENTS, ADMIN_PW, SUPER_PW)
        with store.write() as conn:
            agents = {
                row.id: f"{row.first_name} {row.last_name}"
                for row in conn.execute(
                    select(users.c.id, users.c.first_name, users.c.last_name)
                    .where(users.c.role == "agent")
                    .order_by(users.c.id)
                )
            }
            ids = list(agents)
            conn.execute(delete(calls).where(calls.c.ended_at.is_(None)))
            conn.execute(delete(sessions))
            conn.execute(
                update(users).values(
                    status="available", status_text=None, status_since=now(), active=True
                )
            )
            for uid in ids:
                conn.execute(
                    insert(sessions).values(
                        user_id=uid, client="desktop", started_at=now() - 100, last_seen=now()
                    )
                )
            stuck = ids[len(ids) // 2]
            conn.execute(update(users).where(users.c.id == stuck).values(status="unavailable"))
            busy, on_break = ids[3], ids[4]
            conn.execute(
                update(users)
                .where(users.c.id == busy)
                .values(status="busy", password_hash=hash_password(HOLDER_PW))
            )
            conn.execute(
                insert(calls).values(
                    user_id=busy, direction="inbound", peer="+15550001234",
                    started_at=now() - 60, recording=f"rec/{busy}/live.wav",
                )
            )  # fmt: skip
            conn.execute(update(users).where(users.c.id == on_break).values(status="break"))
            touch(conn, ids, None)
    finally:
        store.engine.dispose()
    return Floor(stuck, agents[stuck], agents, busy, on_break)
