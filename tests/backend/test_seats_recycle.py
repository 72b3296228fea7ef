"""Recycle hands the seat over in one transaction (issue 14, items 3 and 8): the old
holder's sessions, tokens and live call end, credentials and assignments are cleared, the
email is unique ignoring case; without SMTP the welcome email stays queued and the answer
carries its link."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from contact_center.cli import main as cli_main
from contact_center.domain import auth
from contact_center.storage.tables import api_tokens, calls, outbox, users, welcome_tokens
from contact_center.testing.server import ServerThread
from tests.support.backend import agent_in, arrange, assert_problem, client_for, row, sql_rows

CLEARED = ["password", "two_factor", "backup_codes", "skills", "tags", "desks"]


def recycle(client: httpx.Client, uid: int, **info: Any) -> httpx.Response:
    info = {"first_name": "Grace", "last_name": "Hopper", **info}
    return client.post(f"/users/{uid}/reset", json={"recycle": info})


def give_credentials(server: ServerThread, uid: int) -> None:
    arrange(
        server, uid, password_hash=auth.hash_password("old holder's password"),
        two_factor=True, totp_secret="JBSWY3DPEHPK3PXP", backup_codes=["a", "b"],
        must_change_password=True, skills=["english"], tags=["night"], desks=["Sales"],
    )  # fmt: skip


def user_columns(server: ServerThread, uid: int) -> dict[str, Any]:
    return dict(sql_rows(server, select(users).where(users.c.id == uid))[0])


def test_recycle_hands_the_seat_over(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "busy", live_call=True, sessions=2)
    give_credentials(server, uid)
    with server.store.write() as conn:  # type: ignore[union-attr]
        auth.issue_token(conn, uid)
    r = recycle(admin, uid, email="grace@example.com", send_welcome_email=False)
    assert r.status_code == 200, r.text
    summary, user = r.json()["summary"], r.json()["user"]
    assert summary["ended_sessions"] == 2
    assert summary["ended_call"]["peer"] == "+15550009999"
    assert summary["cleared"] == CLEARED
    assert summary["welcome_email"] == "not sent"
    assert "welcome_link" not in summary
    assert summary["recycled_as"] == {
        "first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
    }  # fmt: skip
    assert (user["status"], user["session_count"], user["live_call"]) == ("offline", 0, None)
    assert (user["two_factor"], user["skills"], user["tags"], user["desks"]) == (
        False, [], [], [],
    )  # fmt: skip
    cols = user_columns(server, uid)
    assert cols["password_hash"] is None
    assert (cols["totp_secret"], cols["backup_codes"], cols["must_change_password"]) == (
        None, None, False,
    )  # fmt: skip
    ended = sql_rows(
        server, select(calls).where(calls.c.user_id == uid, calls.c.ended_by.is_not(None))
    )
    assert [c["ended_by"] for c in ended if c["peer"] == "+15550009999"] == ["seat recycled"]
    tokens = sql_rows(server, select(api_tokens).where(api_tokens.c.user_id == uid))
    assert tokens
    assert all(t["revoked"] for t in tokens)
    entry = admin.get(f"/users/{uid}/activity").json()[0]
    assert entry["action"] == "reset"
    assert entry["after"]["two_factor"] is False


def test_keep_assignments_keeps_skills_tags_desks(
    server: ServerThread, admin: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    give_credentials(server, uid)
    r = recycle(admin, uid, email=None, keep_assignments=True)
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["cleared"] == ["password", "two_factor", "backup_codes"]
    user = r.json()["user"]
    assert (user["skills"], user["tags"], user["desks"]) == (["english"], ["night"], ["Sales"])
    assert user["email"] is None


def test_recycle_without_email_sends_no_welcome(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    r = recycle(admin, uid, email=None, send_welcome_email=True)
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["welcome_email"] == "not sent"
    assert sql_rows(server, select(outbox)) == []


def test_recycled_holder_cannot_sign_in_with_the_old_password(
    server: ServerThread, admin: httpx.Client, anon: httpx.Client
) -> None:
    r = anon.post("/auth/login", json={"username": "supervisor", "password": "super-pw"})
    assert r.status_code == 200
    r = recycle(admin, 2, email="new.supervisor@example.com")
    assert r.status_code == 200, r.text
    r = anon.post("/auth/login", json={"username": "supervisor", "password": "super-pw"})
    assert_problem(r, 401, "Wrong username or password.")


@pytest.mark.parametrize("spelling", [str.upper, str.title])
def test_recycle_email_is_unique_ignoring_case(
    server: ServerThread, admin: httpx.Client, spelling: Any
) -> None:
    uid = agent_in(server, "available", index=0)
    other = row(admin, agent_in(server, "available", index=1))
    before = row(admin, uid)
    taken = spelling(other["email"])
    r = recycle(admin, uid, email=taken)
    name = f"{other['first_name']} {other['last_name']}"
    assert_problem(r, 409, f"The email {taken} is already used by {name} ({other['username']}).")
    assert row(admin, uid) == before


def test_without_smtp_the_welcome_email_stays_queued_with_its_link(
    server: ServerThread, admin: httpx.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    uid = agent_in(server, "available")
    username = row(admin, uid)["username"]
    r = recycle(admin, uid, email="grace@example.com", send_welcome_email=True)
    assert r.status_code == 200, r.text
    summary = r.json()["summary"]
    assert summary["welcome_email"] == "queued"
    link = summary["welcome_link"]
    assert link.startswith(f"{server.base_url}/welcome/")
    token = link.rsplit("/", 1)[1]
    [email] = sql_rows(server, select(outbox))
    assert (email["state"], email["to_addr"], email["link"]) == (
        "queued",
        "grace@example.com",
        link,
    )
    assert email["last_error"] == "no SMTP server configured"
    assert username in email["body"]
    assert link in email["body"]
    # only the token's hash is stored
    stored = sql_rows(server, select(welcome_tokens))
    assert [t["user_id"] for t in stored] == [uid]
    assert token not in json.dumps(stored)
    # the activity tells the state, never the link
    activity = admin.get(f"/users/{uid}/activity").json()
    queued = [e for e in activity if e["action"] == "welcome-email"]
    assert [e["after"]["state"] for e in queued] == ["queued"]
    assert queued[0]["after"]["reason"] == "no SMTP server configured"
    assert token not in json.dumps(activity)
    # `contact-center outbox` lists it
    assert cli_main(["outbox", "--db", server.db]) == 0
    out = capsys.readouterr().out
    assert "to grace@example.com: Your new account: set your password" in out
    assert "state: queued (no SMTP server configured)" in out
    assert f"link: {link}" in out
    # the page works without SMTP too
    with httpx.Client() as browser:
        page = browser.get(link)
    assert page.status_code == 200
    assert username in page.text


def test_a_second_recycle_voids_the_first_link(server: ServerThread, admin: httpx.Client) -> None:
    uid = agent_in(server, "available")
    first = recycle(admin, uid, email="a@example.com", send_welcome_email=True).json()
    second = recycle(admin, uid, email="b@example.com", send_welcome_email=True).json()
    with httpx.Client() as browser:
        old = browser.get(first["summary"]["welcome_link"])
        new = browser.get(second["summary"]["welcome_link"])
    assert old.status_code == 410
    assert "This link was already used or has expired." in old.text
    assert new.status_code == 200
    states = sorted((e["to_addr"], e["state"]) for e in sql_rows(server, select(outbox)))
    assert states == [("a@example.com", "failed"), ("b@example.com", "queued")]


def test_recycle_of_a_supervisor_needs_an_admin(
    server: ServerThread, supervisor: httpx.Client
) -> None:
    uid = agent_in(server, "available")
    assert_problem(recycle(supervisor, uid, email=None), 403, "cannot reset and recycle users")
    with client_for(server) as anon:
        assert anon.post(f"/users/{uid}/reset", json={}).status_code == 401


def test_serve_refuses_an_smtp_url_it_cannot_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["serve", "--db", "unused.db", "--smtp-url", "ftp://mail.example.com"]) == 2
    assert "smtp+starttls://HOST:PORT" in capsys.readouterr().err
