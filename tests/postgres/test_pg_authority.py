"""Authority across two instances on one PostgreSQL database (issue 12, item 1)."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import func, select

from contact_center.storage import tables
from contact_center.testing.server import ServerThread
from tests.support.backend import agent_ids, client_for, store_of, token_for


def test_admins_deactivating_each_other_on_two_instances_leave_an_active_admin(
    pair: tuple[ServerThread, ServerThread],
) -> None:
    """Each admin's request goes to another instance at the same moment: one wins, the other
    finds its actor deactivated (the authority lock and the check in the write's transaction),
    and an active admin is always left."""
    a, b = pair
    x_id = agent_ids(a)[0]
    with store_of(a).write() as conn:
        conn.execute(
            tables.users.update().where(tables.users.c.id == x_id).values(role="admin", active=True)
        )
        x_name = conn.execute(
            select(tables.users.c.username).where(tables.users.c.id == x_id)
        ).scalar_one()
    for _round in range(6):
        admin1 = client_for(a, token_for(a, "admin"))
        x = client_for(b, token_for(b, x_name))
        barrier = threading.Barrier(2)
        answers: dict[str, int] = {}

        def go(
            name: str,
            client: httpx.Client,
            target: int,
            barrier: threading.Barrier = barrier,
            answers: dict[str, int] = answers,
        ) -> None:
            barrier.wait()
            answers[name] = client.post(f"/users/{target}/deactivate", json={}).status_code

        threads = [
            threading.Thread(target=go, args=("admin", admin1, x_id)),
            threading.Thread(target=go, args=("x", x, 1)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        admin1.close()
        x.close()
        assert sorted(answers.values()) in ([200, 401], [200, 403]), answers
        with store_of(a).write() as conn:
            active = conn.execute(
                select(func.count())
                .select_from(tables.users)
                .where(tables.users.c.role == "admin", tables.users.c.active.is_(True))
            ).scalar_one()
            assert active == 1
            conn.execute(
                tables.users.update().where(tables.users.c.id.in_([1, x_id])).values(active=True)
            )
