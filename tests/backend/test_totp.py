"""Issue 13: two-factor sign-in with TOTP (RFC 6238, pyotp) and backup codes (docs/API.md,
"TOTP"; docs/rules.md, "Two-factor authentication")."""

from __future__ import annotations

import hashlib
import re
import time
from urllib.parse import parse_qs, unquote, urlparse

import httpx
import pyotp
import pytest

from contact_center import cli
from contact_center.testing.server import ServerThread
from tests.backend.accounts_support import code, enrol, problem, sign_in, signed_in, user_columns
from tests.support.accounts import SUPER_PW
from tests.support.backend import client_for, login

OTP_REQUIRED = "Enter the 6-digit code from your authenticator app, or a backup code."
OTP_INVALID = (
    "That code is not right. Codes change every 30 seconds; enter the one shown now, "
    "or a backup code."
)


def wrong_code(secret: str) -> str:
    """A 6-digit code that is none of the accepted ones (now, and one step either side)."""
    totp = pyotp.TOTP(secret)
    t = time.time()
    accepted = {totp.at(t + d) for d in (-60, -30, 0, 30, 60)}
    return next(c for c in (f"{n:06d}" for n in range(1000)) if c not in accepted)


def test_enrol_confirm_then_sign_in_with_a_code(server: ServerThread) -> None:
    token = login(server, "supervisor", SUPER_PW)
    with client_for(server, token) as c:
        r = c.post("/auth/2fa/enroll")
        assert r.status_code == 200, r.text
        secret = r.json()["secret"]
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        uri = urlparse(r.json()["otpauth_uri"])
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert unquote(uri.path) == "/Supervisor Console:supervisor"
        assert parse_qs(uri.query)["issuer"] == ["Supervisor Console"]
        assert parse_qs(uri.query)["secret"] == [secret]
        stored = user_columns(server, 2)
        assert (stored["totp_pending"], stored["two_factor"]) == (secret, False)
        r = c.post("/auth/2fa/confirm", json={"code": wrong_code(secret)})
        assert problem(r, 422, "otp_invalid")["detail"] == OTP_INVALID
        r = c.post("/auth/2fa/confirm", json={"code": code(secret)})
        assert r.status_code == 200, r.text
        backup = r.json()["backup_codes"]
        assert c.get("/users/2").json()["two_factor"] is True
    assert len(backup) == len(set(backup)) == 10
    assert all(re.fullmatch(r"[0-9a-f]{4}-[0-9a-f]{4}", b) for b in backup)
    stored = user_columns(server, 2)
    assert (stored["totp_secret"], stored["totp_pending"]) == (secret, None)
    hashed = stored["backup_codes"]
    assert len(hashed) == 10
    assert not any(b in str(hashed) or b.replace("-", "") in str(hashed) for b in backup)
    assert hashlib.sha256(backup[0].replace("-", "").encode()).hexdigest() in hashed

    r = sign_in(server, "supervisor", SUPER_PW)
    assert problem(r, 401, "otp_required")["detail"] == OTP_REQUIRED
    r = sign_in(server, "supervisor", SUPER_PW, otp=wrong_code(secret))
    assert problem(r, 401, "otp_invalid")["detail"] == OTP_INVALID
    # A wrong password is a wrong password, whatever the code.
    problem(sign_in(server, "supervisor", "nope", otp=code(secret)), 401, "bad_credentials")
    body = signed_in(server, "supervisor", SUPER_PW, otp=code(secret))
    assert body["role"] == "supervisor"


def test_a_backup_code_works_once(server: ServerThread) -> None:
    with client_for(server, login(server, "supervisor", SUPER_PW)) as c:
        _, backup = enrol(c)
    signed_in(server, "supervisor", SUPER_PW, otp=backup[3].upper())  # any case
    problem(sign_in(server, "supervisor", SUPER_PW, otp=backup[3]), 401, "otp_invalid")
    signed_in(server, "supervisor", SUPER_PW, otp=backup[4].replace("-", ""))
    assert len(user_columns(server, 2)["backup_codes"]) == 8


def test_wrong_codes_count_toward_the_login_limit(server: ServerThread) -> None:
    with client_for(server, login(server, "supervisor", SUPER_PW)) as c:
        secret, _ = enrol(c)
    for _ in range(5):
        r = sign_in(server, "supervisor", SUPER_PW, otp=wrong_code(secret))
        problem(r, 401, "otp_invalid")
    r = sign_in(server, "supervisor", SUPER_PW, otp=code(secret))
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


def test_enrolment_refusals(server: ServerThread) -> None:
    with client_for(server, login(server, "supervisor", SUPER_PW)) as c:
        problem(c.post("/auth/2fa/confirm", json={"code": "123456"}), 409)  # nothing pending
        first = c.post("/auth/2fa/enroll").json()["secret"]
        second = c.post("/auth/2fa/enroll").json()["secret"]  # replaces the pending one
        assert first != second
        problem(c.post("/auth/2fa/confirm", json={"code": code(first)}), 422, "otp_invalid")
        assert c.post("/auth/2fa/confirm", json={"code": code(second)}).status_code == 200
        r = c.post("/auth/2fa/enroll")
        assert problem(r, 409)["detail"] == (
            "Two-factor authentication is already on for your account. An admin can reset it."
        )
        problem(c.post("/auth/2fa/confirm", json={"code": code(second)}), 409)


def test_reset_2fa_clears_it_and_signs_the_user_out(
    server: ServerThread, admin: httpx.Client
) -> None:
    with client_for(server, login(server, "supervisor", SUPER_PW)) as c:
        secret, _ = enrol(c)
    token = signed_in(server, "supervisor", SUPER_PW, otp=code(secret))["token"]
    with client_for(server, token) as c:
        c.post("/auth/2fa/enroll")  # a stray pending secret is cleared too
    r = admin.post("/users/2/reset-2fa", json={})
    assert r.status_code == 200, r.text
    assert r.json()["user"]["two_factor"] is False
    assert r.json()["user"]["session_count"] == 0
    assert r.json()["user"]["status"] == "offline"
    stored = user_columns(server, 2)
    assert (stored["totp_secret"], stored["totp_pending"], stored["backup_codes"]) == (
        None,
        None,
        None,
    )
    with client_for(server, token) as c:
        body = problem(c.get("/users"), 401, "signed_out")
        assert body["by"] == "Alex Admin (admin)"
    assert signed_in(server, "supervisor", SUPER_PW)["role"] == "supervisor"  # no code now


def test_serve_takes_the_roles_that_require_2fa() -> None:
    args = cli.build_parser().parse_args(["serve", "--require-2fa", "admin, supervisor"])
    assert args.require_2fa == frozenset({"admin", "supervisor"})
    assert cli.build_parser().parse_args(["serve"]).require_2fa == frozenset()
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["serve", "--require-2fa", "admins"])
