"""Issue 13: signing in, restricted sign-ins, changing one's password (docs/API.md,
"Sign-in" and "Password change"; docs/rules.md, "Changing one's password")."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlalchemy import update

from contact_center.domain import auth
from contact_center.storage.tables import users
from contact_center.testing.server import ServerThread
from tests.backend.accounts_support import (
    CONSOLE,
    code,
    enrol,
    problem,
    session_rows,
    sign_in,
    signed_in,
    user_columns,
)
from tests.support.accounts import ADMIN_PW, SUPER_PW
from tests.support.backend import arrange, client_for, row

CHANGE_FIRST = "Change your password first: this sign-in used a temporary password."
ENROL_FIRST = "Set up two-factor authentication first: your role requires it."
NEW_PW = "correct horse battery staple"


def test_login_answers_name_and_what_the_sign_in_must_do(server: ServerThread) -> None:
    body = signed_in(server, "supervisor", SUPER_PW)
    assert body["name"] == "Sky Supervisor"
    assert body["password_change_required"] is False
    assert body["two_factor_enrolment_required"] is False
    with client_for(server, body["token"]) as c:
        assert c.get("/auth/me").json() == {
            "user_id": 2, "username": "supervisor", "name": "Sky Supervisor",
            "role": "supervisor", "password_change_required": False,
            "two_factor_enrolment_required": False, "two_factor": False,
        }  # fmt: skip


def test_a_wrong_password_says_bad_credentials(server: ServerThread) -> None:
    body = problem(sign_in(server, "admin", "nope"), 401, "bad_credentials")
    assert body["detail"] == "Wrong username or password."
    problem(sign_in(server, "nobody", "nope"), 401, "bad_credentials")


def test_a_temporary_password_restricts_the_sign_in_until_it_is_changed(
    server: ServerThread, admin: httpx.Client
) -> None:
    r = admin.post("/users/2/reset-password", json={"require_change": True})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["must_change_password"] is True
    temporary = r.json()["temporary_password"]
    body = signed_in(server, "supervisor", temporary, headers=CONSOLE)
    assert body["password_change_required"] is True
    with client_for(server, body["token"]) as c:
        for method, path in [("GET", "/users"), ("GET", "/sessions"), ("GET", "/audit"),
                             ("POST", "/users/3/reset-dialer"), ("PUT", "/me/status")]:  # fmt: skip
            r = c.request(method, path, json={"status": "break"} if method == "PUT" else {})
            got = problem(r, 403, "password_change_required")
            assert got["detail"] == CHANGE_FIRST, path
        me = c.get("/auth/me")
        assert me.status_code == 200
        assert me.json()["password_change_required"] is True
        r = c.post("/auth/password", json={"current_password": temporary, "new_password": NEW_PW})
        assert r.status_code == 200, r.text
        changed = r.json()
        assert changed["password_change_required"] is False
        assert changed["token"] != body["token"]
        assert set(changed) == set(body)
        # The restricted token is revoked by the change (its own doing: "revoked").
        problem(c.get("/auth/me"), 401, "revoked")
    with client_for(server, changed["token"]) as c:
        assert c.get("/users").status_code == 200
        assert row(c, 2)["must_change_password"] is False
        assert c.get("/auth/me").json()["password_change_required"] is False
    assert user_columns(server, 2)["must_change_password"] is False
    signed_in(server, "supervisor", NEW_PW)
    problem(sign_in(server, "supervisor", temporary), 401, "bad_credentials")


def test_the_password_rules_and_their_texts(server: ServerThread) -> None:
    current = "a-long-current-passphrase"
    arrange(server, 2, password_hash=auth.hash_password(current))
    token = signed_in(server, "supervisor", current)["token"]
    cases = [
        ("not it", NEW_PW, "The current password is not right."),
        (current, "short-one", "The new password must be at least 12 characters long."),
        (current, "my-SuperVisor-pass", "The new password must not contain your username."),
        (current, "PassWord1234",
         "This password is one of the most commonly used passwords; choose another."),
        (current, current, "The new password must be different from the current one."),
    ]  # fmt: skip
    with client_for(server, token) as c:
        for old, new, detail in cases:
            r = c.post("/auth/password", json={"current_password": old, "new_password": new})
            assert problem(r, 422)["detail"] == detail, new
        r = c.post("/auth/password", json={"current_password": "x", "new_password": NEW_PW})
        assert problem(r, 422, "current_password_wrong")
        assert c.get("/users").status_code == 200  # nothing changed: the token still works
    signed_in(server, "supervisor", current)


def test_a_wrong_current_password_counts_toward_the_login_limit(server: ServerThread) -> None:
    token = signed_in(server, "supervisor", SUPER_PW)["token"]
    with client_for(server, token) as c:
        for _ in range(5):
            body = {"current_password": "wrong", "new_password": NEW_PW}
            problem(c.post("/auth/password", json=body), 422, "current_password_wrong")
        body = {"current_password": SUPER_PW, "new_password": NEW_PW}
        assert c.post("/auth/password", json=body).status_code == 429
    assert sign_in(server, "supervisor", SUPER_PW).status_code == 429


def test_a_password_change_ends_every_older_sign_in(server: ServerThread) -> None:
    first = signed_in(server, "supervisor", SUPER_PW, headers=CONSOLE)["token"]
    second = signed_in(server, "supervisor", SUPER_PW)["token"]
    with client_for(server, second) as c:
        r = c.post("/auth/password", json={"current_password": SUPER_PW, "new_password": NEW_PW})
        assert r.status_code == 200, r.text
        new = r.json()["token"]
    for old in (first, second):
        with client_for(server, old) as c:
            problem(c.get("/users"), 401, "revoked")
    # The seeded device session stays; of the sign-ins only the new one is left.
    kept = sorted(s["kind"] for s in session_rows(server, 2))
    assert kept == ["api", "device"]
    with client_for(server, new) as c:
        assert c.get("/users/2").json()["session_count"] == 2
        assert c.get("/users/2").json()["status"] == "available"


def test_a_required_role_must_enrol_2fa_first(
    make_server: Callable[..., ServerThread],
) -> None:
    srv = make_server(require_2fa="admin,supervisor")
    body = signed_in(srv, "admin", ADMIN_PW)
    assert body["two_factor_enrolment_required"] is True
    assert body["password_change_required"] is False
    with client_for(srv, body["token"]) as c:
        got = problem(c.get("/users"), 403, "two_factor_enrolment_required")
        assert got["detail"] == ENROL_FIRST
        me = c.get("/auth/me").json()
        assert (me["two_factor_enrolment_required"], me["two_factor"]) == (True, False)
        secret, _ = enrol(c)
        assert c.get("/users").status_code == 200  # the same token, no longer restricted
        assert c.get("/auth/me").json()["two_factor_enrolment_required"] is False
    again = signed_in(srv, "admin", ADMIN_PW, otp=code(secret))
    assert again["two_factor_enrolment_required"] is False


def test_a_temporary_password_comes_before_2fa_enrolment(
    make_server: Callable[..., ServerThread],
) -> None:
    srv = make_server(require_2fa="supervisor")
    with srv.store.write() as conn:  # type: ignore[union-attr]
        conn.execute(update(users).where(users.c.id == 2).values(must_change_password=True))
    body = signed_in(srv, "supervisor", SUPER_PW)
    assert (body["password_change_required"], body["two_factor_enrolment_required"]) == (
        True,
        True,
    )
    with client_for(srv, body["token"]) as c:
        problem(c.get("/users"), 403, "password_change_required")
        r = c.post("/auth/password", json={"current_password": SUPER_PW, "new_password": NEW_PW})
        assert r.status_code == 200, r.text
        assert r.json()["two_factor_enrolment_required"] is True
    with client_for(srv, r.json()["token"]) as c:
        problem(c.get("/users"), 403, "two_factor_enrolment_required")
    # Not required of admins on this server.
    assert signed_in(srv, "admin", ADMIN_PW)["two_factor_enrolment_required"] is False
