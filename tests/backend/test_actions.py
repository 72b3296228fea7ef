"""Every per-user action and its rule (docs/rules.md, "Single-user actions")."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from contact_center.domain import auth
from contact_center.storage.tables import (
    api_tokens,
    calls,
    contacts,
    leads,
    lines,
    phone_numbers,
    sessions,
    users,
    voicemails,
)
from contact_center.testing.server import ServerThread
from tests.support.accounts import SUPER_PW
from tests.support.backend import (
    agent_in,
    arrange,
    assert_problem,
    client_for,
    login,
    row,
    sql_rows,
    store_of,
)

OFFLINE_TEXT = (
    "applies only to users whose status shows Unavailable or Busy",
    "Check that the user is signed in and that the dialer is enabled for their account.",
)


def user_calls(server: ServerThread, uid: int) -> list[dict[str, object]]:
    return sql_rows(server, select(calls).where(calls.c.user_id == uid).order_by(calls.c.id))


# --- reset dialer ---------------------------------------------------------------------------


def test_reset_dialer_unavailable(server: ServerThread, supervisor: httpx.Client) -> None:
    uid = agent_in(server, "unavailable")
    before = row(supervisor, uid)
    r = supervisor.post(f"/users/{uid}/reset-dialer", json={"expected_status": "unavailable"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["status"] == "available"
    assert body["user"]["version"] == before["version"] + 1
    assert body["user"]["changed_by"] == "supervisor"
    assert body["disconnected_call"] is None
    assert body["message"].endswith("is now Available.")
    assert row(supervisor, uid) == body["user"]


def test_reset_dialer_busy_disconnects_the_live_call_and_keeps_its_log(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    uid = agent_in(server, "busy", live_call=True)
    calls_before = user_calls(server, uid)
    live = next(c for c in calls_before if c["ended_at"] is None)
    assert row(supervisor, uid)["live_call"]["id"] == live["id"]
    r = supervisor.post(f"/users/{uid}/reset-dialer", json={"expected_status": "busy"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["user"]["status"] == "available"
    assert body["user"]["live_call"] is None
    assert body["disconnected_call"]["id"] == live["id"]
    assert "+15550009999" in body["message"]
    assert "log was kept" in body["message"]
    calls_after = user_calls(server, uid)
    assert len(calls_after) == len(calls_before)
    ended = next(c for c in calls_after if c["id"] == live["id"])
    assert ended["ended_by"] == "supervisor reset"
    assert ended["ended_at"] is not None
    assert ended["recording"] == live["recording"]
    for old, new in zip(calls_before, calls_after, strict=True):
        if old["id"] != live["id"]:
            assert old == new
    api_calls = supervisor.get(f"/users/{uid}/calls").json()
    assert {c["id"] for c in api_calls} == {c["id"] for c in calls_after}


def test_reset_dialer_stuck_busy_without_call(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "busy", live_call=False)
    n_calls = len(user_calls(server, uid))
    r = admin.post(f"/users/{uid}/reset-dialer", json={"expected_status": "busy"})
    assert r.status_code == 200
    assert r.json()["disconnected_call"] is None
    assert len(user_calls(server, uid)) == n_calls


def test_reset_dialer_refused_outside_unavailable_and_busy(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    for i, status in enumerate(["available", "break", "dnd", "meeting", "other", "offline"]):
        uid = agent_in(server, status, index=i)
        before = row(supervisor, uid)
        r = supervisor.post(f"/users/{uid}/reset-dialer", json={"expected_status": status})
        body = assert_problem(r, 409, *OFFLINE_TEXT)
        assert body["current"] == before
        assert row(supervisor, uid) == before


# --- force logout ---------------------------------------------------------------------------


def test_logout_all_sessions(server: ServerThread, supervisor: httpx.Client) -> None:
    uid = agent_in(server, "busy", live_call=True, sessions=3)
    r = supervisor.post(f"/users/{uid}/logout", json={"expected_status": "busy"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ended_sessions"] == 3
    assert body["user"]["status"] == "offline"
    assert body["user"]["session_count"] == 0
    assert body["user"]["live_call"] is None
    assert supervisor.get(f"/users/{uid}/sessions").json() == []
    assert user_calls(server, uid)[-1]["ended_by"] == "forced logout"


def test_logout_one_session(server: ServerThread, supervisor: httpx.Client) -> None:
    uid = agent_in(server, "available", sessions=3)
    listed = supervisor.get(f"/users/{uid}/sessions").json()
    assert len(listed) == 3
    assert {"id", "client", "started_at", "last_seen"} <= set(listed[0])
    r = supervisor.post(f"/users/{uid}/logout", json={"session_id": listed[1]["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["ended_sessions"] == 1
    assert r.json()["user"]["session_count"] == 2
    assert r.json()["user"]["status"] == "available"
    left = [s["id"] for s in supervisor.get(f"/users/{uid}/sessions").json()]
    assert left == [listed[0]["id"], listed[2]["id"]]


def test_logout_the_last_session_goes_offline(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    uid = agent_in(server, "available", sessions=1)
    sid = supervisor.get(f"/users/{uid}/sessions").json()[0]["id"]
    r = supervisor.post(f"/users/{uid}/logout", json={"session_id": sid})
    assert r.status_code == 200
    assert r.json()["user"]["status"] == "offline"
    assert r.json()["user"]["session_count"] == 0


def test_logout_refused_without_sessions_or_for_unknown_session(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    uid = agent_in(server, "offline")
    assert_problem(supervisor.post(f"/users/{uid}/logout", json={}), 409, "no active sessions")
    uid2 = agent_in(server, "available", sessions=2, index=1)
    before = row(supervisor, uid2)
    r = supervisor.post(f"/users/{uid2}/logout", json={"session_id": 999999})
    assert_problem(r, 409, "999999")
    assert row(supervisor, uid2) == before


# --- deactivate / activate ------------------------------------------------------------------


def test_deactivate_ends_sessions_and_tokens(server: ServerThread, admin: httpx.Client) -> None:
    arrange(server, 2, status="break", session_count=2)
    token = login(server, "supervisor", SUPER_PW)
    r = admin.post("/users/2/deactivate", json={"expected_status": "break"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ended_sessions"] == 3  # the two arranged and the sign-in's (issue 13)
    assert body["user"]["active"] is False
    assert body["user"]["status"] == "offline"
    assert sql_rows(server, select(sessions).where(sessions.c.user_id == 2)) == []
    revoked = sql_rows(server, select(api_tokens.c.revoked).where(api_tokens.c.user_id == 2))
    assert revoked
    assert all(t["revoked"] for t in revoked)
    with client_for(server, token) as c:
        assert_problem(c.get("/users"), 401)
    r = admin.post("/auth/login", json={"username": "supervisor", "password": SUPER_PW})
    assert_problem(r, 403, "deactivated")
    assert_problem(admin.post("/users/2/deactivate", json={}), 409, "already deactivated")


def test_activate(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "offline", active=False)
    assert_problem(admin.post(f"/users/{uid}/deactivate", json={}), 409, "already deactivated")
    r = admin.post(f"/users/{uid}/activate", json={"expected_status": "offline"})
    assert r.status_code == 200
    assert r.json()["user"]["active"] is True
    assert_problem(admin.post(f"/users/{uid}/activate", json={}), 409, "already active")


# --- reset password / 2FA -------------------------------------------------------------------


def test_reset_password_shown_once_and_sessions_ended(
    server: ServerThread, admin: httpx.Client
) -> None:
    arrange(server, 2, status="available", session_count=1)
    r = admin.post("/users/2/reset-password", json={"require_change": True})
    assert r.status_code == 200, r.text
    body = r.json()
    temp = body["temporary_password"]
    assert isinstance(temp, str)
    assert len(temp) >= 16
    assert body["ended_sessions"] == 1
    assert body["user"]["status"] == "offline"
    stored = sql_rows(server, select(users).where(users.c.id == 2))[0]
    assert stored["must_change_password"] is True
    assert auth.verify_password(temp, stored["password_hash"])
    assert temp not in str(stored)
    assert_problem(
        admin.post("/auth/login", json={"username": "supervisor", "password": SUPER_PW}), 401
    )
    ok = admin.post("/auth/login", json={"username": "supervisor", "password": temp})
    assert ok.status_code == 200
    # the password never reaches the audit log or a later read
    assert temp not in admin.get("/audit", params={"user_id": 2}).text
    assert temp not in admin.get("/users/2").text


def test_reset_password_without_require_change(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "offline", must_change_password=True)
    r = admin.post(f"/users/{uid}/reset-password", json={"require_change": False})
    assert r.status_code == 200
    assert r.json()["ended_sessions"] == 0
    stored = sql_rows(server, select(users.c.must_change_password).where(users.c.id == uid))
    assert stored[0]["must_change_password"] is False


def test_reset_2fa_only_when_enabled(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available", two_factor=True, totp_secret="abc", backup_codes=["1"])
    r = admin.post(f"/users/{uid}/reset-2fa", json={"expected_status": "available"})
    assert r.status_code == 200
    assert r.json()["user"]["two_factor"] is False
    stored = sql_rows(server, select(users).where(users.c.id == uid))[0]
    assert stored["totp_secret"] is None
    assert stored["backup_codes"] is None
    before = row(admin, uid)
    assert_problem(admin.post(f"/users/{uid}/reset-2fa", json={}), 409, "two-factor")
    assert row(admin, uid) == before


# --- delete ---------------------------------------------------------------------------------


def test_delete_unassigns_leads_frees_number_keeps_calls(
    server: ServerThread, admin: httpx.Client
) -> None:
    uid = agent_in(server, "busy", live_call=True, sessions=2, phone_number="+15559990001")
    with_number = {"number": "+15559990001", "user_id": uid, "state": "assigned"}
    with store_of(server).write() as conn:
        conn.execute(phone_numbers.insert().values(**with_number))
        conn.execute(leads.insert(), [{"owner_id": uid, "name": f"L{i}"} for i in range(3)])
    n_leads = len(sql_rows(server, select(leads).where(leads.c.owner_id == uid)))
    n_calls = len(user_calls(server, uid))
    cursor = admin.get("/users").json()["cursor"]

    r = admin.delete(f"/users/{uid}", params={"expected_status": "busy"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["deleted_id"] == uid
    assert body["unassigned_leads"] == n_leads
    assert body["ended_sessions"] == 2
    assert_problem(admin.get(f"/users/{uid}"), 404, str(uid))
    assert_problem(admin.post(f"/users/{uid}/reset-dialer", json={}), 404, str(uid))
    assert_problem(admin.delete(f"/users/{uid}"), 404)
    # leads kept, without an owner
    assert sql_rows(server, select(leads).where(leads.c.owner_id == uid)) == []
    assert len(sql_rows(server, select(leads).where(leads.c.name.in_(["L0", "L1", "L2"])))) == 3
    number = sql_rows(server, select(phone_numbers).where(phone_numbers.c.number == "+15559990001"))
    assert number == [{"number": "+15559990001", "user_id": None, "state": "available"}]
    # call logs and recordings outlive the user; the live call was ended
    kept = user_calls(server, uid)
    assert len(kept) == n_calls
    assert all(c["ended_at"] is not None for c in kept)
    assert len(admin.get(f"/users/{uid}/calls").json()) == n_calls
    assert sql_rows(server, select(lines).where(lines.c.user_id == uid)) == []
    assert sql_rows(server, select(voicemails).where(voicemails.c.user_id == uid)) == []
    assert sql_rows(server, select(contacts).where(contacts.c.owner_id == uid)) == []
    feed = admin.get("/changes", params={"since": cursor, "wait": 0}).json()
    assert feed["deleted"] == [uid]
    assert feed["users"] == []
    assert all(u["id"] != uid for u in admin.get("/users").json()["users"])
    entry = admin.get("/audit", params={"user_id": uid, "action": "delete"}).json()
    assert len(entry) == 1
    assert entry[0]["after"] is None
    assert entry[0]["before"]["status"] == "busy"


# --- set status -----------------------------------------------------------------------------


def test_set_status(server: ServerThread, supervisor: httpx.Client) -> None:
    for i, status in enumerate(["break", "dnd", "meeting"]):
        uid = agent_in(server, "available", index=i)
        r = supervisor.put(
            f"/users/{uid}/status", json={"expected_status": "available", "status": status}
        )
        assert r.status_code == 200, r.text
        assert r.json()["user"]["status"] == status
        assert r.json()["user"]["status_text"] is None


def test_set_status_other_needs_text(server: ServerThread, supervisor: httpx.Client) -> None:
    uid = agent_in(server, "busy", live_call=True)
    before = row(supervisor, uid)
    for text in (None, "", "   "):
        r = supervisor.put(f"/users/{uid}/status", json={"status": "other", "text": text})
        assert_problem(r, 422, "Other needs a text")
    assert row(supervisor, uid) == before
    r = supervisor.put(f"/users/{uid}/status", json={"status": "other", "text": " Coaching "})
    assert r.status_code == 200
    assert r.json()["user"]["status"] == "other"
    assert r.json()["user"]["status_text"] == "Coaching"
    r = supervisor.put(f"/users/{uid}/status", json={"status": "dnd", "text": "ignored"})
    assert r.json()["user"]["status_text"] is None


def test_set_status_refused_when_offline(server: ServerThread, supervisor: httpx.Client) -> None:
    uid = agent_in(server, "offline")
    before = row(supervisor, uid)
    r = supervisor.put(f"/users/{uid}/status", json={"status": "break"})
    assert_problem(r, 409, "Offline")
    assert row(supervisor, uid) == before
    r = supervisor.put(f"/users/{uid}/status", json={"status": "available"})
    assert_problem(r, 409, "Offline")  # issue 14: Available may be set, not on Offline
    r = supervisor.put(f"/users/{uid}/status", json={"status": "busy"})
    assert_problem(r, 422, "status")
