"""The bulk preview and the job agree, for every action over a mixed scope (issue 12, 10):
the preview runs the job's own checks on each user (authority, own account, the rule)."""

from __future__ import annotations

from typing import Any

import pytest

from contact_center.domain import authority
from contact_center.testing.server import ServerThread
from tests.support.backend import agent_ids, arrange, client_for, token_for, wait_job

BULK_CASES: list[tuple[str, dict[str, Any]]] = [
    ("reset-dialer", {}),
    ("set-status", {"status": "meeting"}),
    ("logout", {}),
    ("add-tags", {"values": ["vip"]}),
    ("remove-skills", {"values": ["billing"]}),
    ("set-role", {"role": "supervisor"}),
    ("deactivate", {}),
    ("activate", {}),
    ("delete", {}),
]


def mixed_floor(server: ServerThread) -> None:
    """Every kind of target: the caller, another admin, supervisors, agents in each state."""
    agents = agent_ids(server)
    arrange(server, agents[0], role="admin", active=True)
    arrange(server, agents[1], role="supervisor", session_count=1)
    arrange(server, agents[2], status="busy", live_call=True, session_count=1)
    arrange(server, agents[3], status="unavailable", session_count=1)
    arrange(server, agents[4], status="offline", session_count=0)
    arrange(server, agents[5], active=False)
    arrange(server, 1, session_count=1)


@pytest.mark.parametrize("caller", ["admin", "supervisor"])
def test_bulk_preview_equals_the_job_for_every_action(server: ServerThread, caller: str) -> None:
    mixed_floor(server)
    with client_for(server, token_for(server, caller)) as c:
        for action, params in BULK_CASES:
            request = {"action": action, "scope": {"kind": "all"}, "params": params}
            preview = c.post("/bulk-jobs/preview", json=request)
            if preview.status_code == 403:  # an admin-only action for a supervisor
                assert caller == "supervisor", preview.text
                continue
            assert preview.status_code == 200, preview.text
            created = c.post("/bulk-jobs", json=request)
            assert created.status_code == 202, created.text
            job = wait_job(c, created.json()["id"])
            counts: dict[str, int] = {}
            for item in job["results"]:
                if item["outcome"] == "skipped":
                    counts[item["reason"]] = counts.get(item["reason"], 0) + 1
            expected = preview.json()
            assert (action, job["failed"]) == (action, 0)
            assert (action, job["total"], job["done"], counts) == (
                action, expected["total"], expected["will_change"], expected["skipped"],
            )  # fmt: skip
            if caller == "admin":
                assert counts.get("your own account", 0) == (
                    1 if action in authority.NOT_ON_SELF else 0
                )
