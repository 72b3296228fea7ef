"""A Hypothesis state machine over the per-user actions: the API agrees with the rules."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from contact_center.testing.server import ServerThread
from tests.support.backend import agent_ids, arrange

AGENTS = 4
STATUSES = ["available", "busy", "unavailable", "break", "dnd", "meeting", "other", "offline"]


def observed(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": r["status"],
        "active": r["active"],
        "two_factor": r["two_factor"],
        "sessions": r["session_count"],
        "on_call": r["live_call"] is not None,
    }


def test_actions_follow_their_rules(server: ServerThread, admin: httpx.Client) -> None:
    ids = agent_ids(server)[:AGENTS]
    which = st.sampled_from(ids)

    class Actions(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            rows = {r["id"]: r for r in admin.get("/users").json()["users"]}
            self.model = {uid: observed(rows[uid]) for uid in ids}
            self.versions = {uid: rows[uid]["version"] for uid in ids}

        def act(
            self, uid: int, method: str, path: str, body: dict[str, Any], allowed: bool
        ) -> dict[str, Any] | None:
            body = {"expected_status": self.model[uid]["status"], **body}
            r = admin.request(method, f"/users/{uid}/{path}", json=body)
            assert r.status_code == (200 if allowed else 409), (path, self.model[uid], r.text)
            if allowed:
                user: dict[str, Any] = r.json()["user"]
                assert user["version"] > self.versions[uid]
                self.versions[uid] = user["version"]
                return user
            assert r.json()["current"]["version"] == self.versions[uid]
            return None

        @rule(uid=which)
        def reset_dialer(self, uid: int) -> None:
            m = self.model[uid]
            if self.act(uid, "POST", "reset-dialer", {}, m["status"] in ("busy", "unavailable")):
                m.update(status="available", on_call=False)

        @rule(uid=which)
        def logout(self, uid: int) -> None:
            m = self.model[uid]
            if self.act(uid, "POST", "logout", {}, m["sessions"] > 0):
                m.update(status="offline", sessions=0, on_call=False)

        @rule(uid=which, status=st.sampled_from(["break", "dnd", "meeting", "other"]))
        def set_status(self, uid: int, status: str) -> None:
            m = self.model[uid]
            if self.act(
                uid, "PUT", "status", {"status": status, "text": "x"}, m["status"] != "offline"
            ):
                m.update(status=status)

        @rule(uid=which)
        def deactivate(self, uid: int) -> None:
            m = self.model[uid]
            if self.act(uid, "POST", "deactivate", {}, m["active"]):
                m.update(status="offline", sessions=0, on_call=False, active=False)

        @rule(uid=which)
        def activate(self, uid: int) -> None:
            m = self.model[uid]
            if self.act(uid, "POST", "activate", {}, not m["active"]):
                m.update(active=True)

        @rule(uid=which)
        def reset_2fa(self, uid: int) -> None:
            m = self.model[uid]
            if self.act(uid, "POST", "reset-2fa", {}, m["two_factor"]):
                # Issue 13: a 2FA reset also ends the user's sessions (as a forced logout).
                m.update(two_factor=False, status="offline", sessions=0, on_call=False)

        @rule(uid=which, status=st.sampled_from(STATUSES))
        def stale_precondition(self, uid: int, status: str) -> None:
            if status == self.model[uid]["status"]:
                return
            r = admin.put(f"/users/{uid}/status", json={"expected_status": status, "status": "dnd"})
            assert r.status_code == 409
            assert r.json()["current"]["version"] == self.versions[uid]

        @rule(uid=which, on_call=st.booleans(), two_factor=st.booleans())
        def agent_takes_a_call(self, uid: int, on_call: bool, two_factor: bool) -> None:
            """The world moves: the agent signs in and is Busy, with or without a live call."""
            if not self.model[uid]["active"]:
                return
            arrange(
                server,
                uid,
                status="busy",
                live_call=on_call,
                session_count=1,
                two_factor=two_factor,
            )
            self.model[uid].update(
                status="busy", on_call=on_call, sessions=1, two_factor=two_factor
            )
            self.versions[uid] = admin.get(f"/users/{uid}").json()["version"]

        @invariant()
        def server_agrees(self) -> None:
            rows = {r["id"]: r for r in admin.get("/users").json()["users"]}
            for uid in ids:
                assert observed(rows[uid]) == self.model[uid], uid
                assert rows[uid]["version"] == self.versions[uid]

    run_state_machine_as_test(
        Actions,
        settings=settings(
            max_examples=20, stateful_step_count=20, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )  # fmt: skip
