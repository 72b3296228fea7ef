"""A stuck agent stays stuck until a supervisor resets it; then the simulator moves it again."""

from __future__ import annotations

import httpx

from contact_center.sim.simulator import Simulator
from contact_center.testing.server import ServerThread
from tests.support.backend import agent_ids, arrange, store_of


def test_reset_releases_a_stuck_agent_and_stuck_agents_are_capped(
    server: ServerThread, admin: httpx.Client
) -> None:
    ids = agent_ids(server)
    for uid in ids:
        arrange(server, uid, status="busy", live_call=True, session_count=1, active=True)
    sim = Simulator(store_of(server), seed=5, stuck_rate=1.0)
    for _ in range(20):
        sim.step(20)
    assert 0 < len(sim.stuck) <= max(1, len(ids) // 20)
    released = next(iter(sim.stuck))
    status = admin.get(f"/users/{released}").json()["status"]
    r = admin.post(f"/users/{released}/reset-dialer", json={"expected_status": status})
    assert r.status_code == 200, r.text
    for _ in range(50):
        sim.step(len(ids))
        if released not in sim.stuck:
            break
    assert released not in sim.stuck
