"""Sign-in and one's own account: sign-in (with a second factor), sign-out, who am I, the
password change, two-factor enrolment, and one's own status (docs/API.md, "Sign-in")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select, update

from contact_center.api.dependencies import (
    OwnAccount,
    SignedIn,
    StoreDep,
    bearer_token,
    note_seen,
    required_2fa,
)
from contact_center.api.problems import ProblemError
from contact_center.api.schemas import (
    ConfirmAnswer,
    ConfirmBody,
    EnrollAnswer,
    LoginAnswer,
    LoginBody,
    MeAnswer,
    OwnStatusAnswer,
    OwnStatusBody,
    PasswordBody,
)
from contact_center.api.signin_limits import SignInLimits
from contact_center.domain import auth, passwords, sessions, twofactor
from contact_center.domain.audit import audit_view, write_audit
from contact_center.domain.users import display_name, load_raw, set_status
from contact_center.storage.clock import iso
from contact_center.storage.journal import touch
from contact_center.storage.rows import user_name
from contact_center.storage.tables import calls, users

router = APIRouter(prefix="/api/v1")

BAD_CREDENTIALS = "Wrong username or password."
CURRENT_WRONG = "The current password is not right."
ALREADY_ON = "Two-factor authentication is already on for your account. An admin can reset it."
NOTHING_PENDING = "There is no two-factor setup to confirm: start it again to get a new secret."


def _limiter(request: Request) -> SignInLimits:
    limiter: SignInLimits = request.app.state.login_limiter
    return limiter


def _limit_key(request: Request, username: str) -> tuple[str, str]:
    """(username, address): the peer, or the address a trusted proxy forwarded (uvicorn's
    proxy headers), never an X-Forwarded-For from an untrusted client."""
    return username, request.client.host if request.client else "-"


def _refuse_if_limited(request: Request, key: tuple[str, str]) -> None:
    wait = _limiter(request).retry_after(*key)
    if wait > 0:
        err = ProblemError(
            429, "Too many attempts", f"Too many failed sign-ins. Try again in {int(wait) + 1} s."
        )
        err.headers["Retry-After"] = str(int(wait) + 1)
        raise err


def _client(request: Request) -> sessions.Client:
    return sessions.Client.of(
        request.headers.get("x-client"),
        request.headers.get("user-agent"),
        request.client.host if request.client else None,
    )


def _signed_in_answer(
    request: Request, row: Any, done: sessions.SignedIn, *, must_change: bool, two_factor: bool
) -> dict[str, Any]:
    note_seen(request, done.session_id)
    return {
        "token": done.token,
        "role": row.role,
        "expires_at": iso(done.expires_at),
        "user_id": row.id,
        "username": row.username,
        "name": user_name(row.first_name, row.last_name, row.username),
        "password_change_required": must_change,
        "two_factor_enrolment_required": row.role in required_2fa(request) and not two_factor,
    }


@router.post("/auth/login", response_model=LoginAnswer, tags=["auth"])
def login(body: LoginBody, request: Request, store: StoreDep) -> dict[str, Any]:
    key = _limit_key(request, body.username)
    _refuse_if_limited(request, key)
    with store.read() as conn:
        row = conn.execute(select(users).where(users.c.username == body.username)).first()
    valid = auth.verify_password(body.password, None if row is None else row.password_hash)
    if row is None or not valid:
        _limiter(request).failed(*key)
        raise ProblemError(401, "Sign-in failed", BAD_CREDENTIALS, reason="bad_credentials")
    if not row.active:
        raise ProblemError(403, "Account deactivated", "This account is deactivated.")
    if row.two_factor and not (body.otp or "").strip():
        # The password was right: not a failed attempt, the second step of this one.
        raise ProblemError(401, "Code required", twofactor.OTP_REQUIRED, reason="otp_required")
    factor: sessions.SecondFactor | None = None
    done: sessions.SignedIn | None = None
    with store.write() as conn:
        # Issued only for the credentials just checked: a password reset (or deactivation,
        # or role or 2FA change) that committed while the password was verified wins.
        locked = conn.execute(select(users).where(users.c.id == row.id).with_for_update()).first()
        if (
            locked is not None
            and locked.password_hash == row.password_hash
            and locked.active
            and locked.role == row.role
        ):
            factor = sessions.check_second_factor(conn, locked, body.otp)
            if factor.ok:
                sessions.sweep_expired(conn)
                done = sessions.start(conn, row.id, row.username, _client(request))
    if factor is None:
        raise ProblemError(401, "Sign-in failed", BAD_CREDENTIALS, reason="bad_credentials")
    if done is None:
        if factor.reason == "otp_required":
            raise ProblemError(401, "Code required", twofactor.OTP_REQUIRED, reason="otp_required")
        _limiter(request).failed(*key)  # a wrong code counts like a wrong password
        raise ProblemError(401, "Sign-in failed", twofactor.OTP_INVALID, reason="otp_invalid")
    _limiter(request).succeeded(*key)
    assert locked is not None
    return _signed_in_answer(
        request, locked, done,
        must_change=bool(locked.must_change_password), two_factor=bool(locked.two_factor),
    )  # fmt: skip


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(request: Request, store: StoreDep, who: SignedIn) -> Response:
    with store.write() as conn:
        sessions.end_own(conn, bearer_token(request))
    return Response(status_code=204)


@router.get("/auth/me", response_model=MeAnswer, tags=["auth"])
def whoami(request: Request, store: StoreDep, who: SignedIn) -> dict[str, Any]:
    """Who the token belongs to, and what their sign-in must do first (read from the row)."""
    with store.read() as conn:
        row = conn.execute(select(users).where(users.c.id == who.user_id)).first()
    if row is None:
        raise ProblemError(401, "Not signed in", "Your account no longer exists.")
    return {
        "user_id": row.id,
        "username": row.username,
        "name": user_name(row.first_name, row.last_name, row.username),
        "role": row.role,
        "password_change_required": bool(row.must_change_password),
        "two_factor_enrolment_required": row.role in required_2fa(request) and not row.two_factor,
        "two_factor": bool(row.two_factor),
    }


@router.post("/auth/password", response_model=LoginAnswer, tags=["auth"])
def change_password(
    body: PasswordBody, request: Request, store: StoreDep, who: SignedIn
) -> dict[str, Any]:
    """A new password (docs/rules.md, "Changing one's password"): a new sign-in is answered,
    every older one of the user ends."""
    key = _limit_key(request, who.username)
    _refuse_if_limited(request, key)
    with store.read() as conn:
        row = conn.execute(select(users).where(users.c.id == who.user_id)).first()
    if row is None or not auth.verify_password(body.current_password, row.password_hash):
        _limiter(request).failed(*key)
        raise ProblemError(422, "Invalid request", CURRENT_WRONG, reason="current_password_wrong")
    problem = passwords.policy_problem(body.new_password, row.username, body.current_password)
    if problem is not None:
        raise ProblemError(422, "Invalid request", problem[1], reason=problem[0])
    new_hash = auth.hash_password(body.new_password)
    done: sessions.SignedIn | None = None
    with store.write() as conn:
        locked = conn.execute(select(users).where(users.c.id == row.id).with_for_update()).first()
        if locked is not None and locked.password_hash == row.password_hash and locked.active:
            conn.execute(
                update(users)
                .where(users.c.id == row.id)
                .values(password_hash=new_hash, must_change_password=False)
            )
            auth.revoke_user_tokens(conn, row.id)  # every older sign-in, this one included
            done = sessions.start(conn, row.id, row.username, _client(request))
    if done is None or locked is None:
        # Changed meanwhile (an admin's reset, another change): this one's current is stale.
        raise ProblemError(422, "Invalid request", CURRENT_WRONG, reason="current_password_wrong")
    _limiter(request).succeeded(*key)
    return _signed_in_answer(
        request, locked, done, must_change=False, two_factor=bool(locked.two_factor)
    )


@router.post("/auth/2fa/enroll", response_model=EnrollAnswer, tags=["auth"])
def enroll(store: StoreDep, who: SignedIn) -> dict[str, Any]:
    """A new TOTP secret for the authenticator app, pending until confirmed with a code."""
    secret = twofactor.new_secret()
    with store.write() as conn:
        raw = load_raw(conn, who.user_id)
        if raw["two_factor"]:
            raise ProblemError(409, "Already on", ALREADY_ON, reason="two_factor_on")
        conn.execute(update(users).where(users.c.id == who.user_id).values(totp_pending=secret))
    return {"secret": secret, "otpauth_uri": twofactor.otpauth_uri(secret, raw["username"])}


@router.post("/auth/2fa/confirm", response_model=ConfirmAnswer, tags=["auth"])
def confirm(body: ConfirmBody, store: StoreDep, who: SignedIn) -> dict[str, Any]:
    """The first code from the app turns two-factor on; the backup codes are shown once."""
    codes = twofactor.new_backup_codes()
    wrong = False
    with store.write() as conn:
        raw = load_raw(conn, who.user_id)
        pending = raw["totp_pending"]
        if not pending:
            raise ProblemError(409, "Nothing to confirm", NOTHING_PENDING, reason="not_pending")
        if twofactor.totp_ok(pending, body.code):
            conn.execute(
                update(users)
                .where(users.c.id == who.user_id)
                .values(
                    two_factor=True, totp_secret=pending, totp_pending=None,
                    backup_codes=[twofactor.backup_hash(c) for c in codes],
                )
            )  # fmt: skip
            touch(conn, [who.user_id], who.username)
            auth.TOKEN_CACHE.forget_user(who.user_id)  # a restriction it lifts ends now
        else:
            wrong = True
    if wrong:
        raise ProblemError(422, "Invalid request", twofactor.OTP_INVALID, reason="otp_invalid")
    return {"backup_codes": codes}


@router.put("/me/status", response_model=OwnStatusAnswer, tags=["auth"])
def set_own_status(
    body: OwnStatusBody, request: Request, store: StoreDep, who: OwnAccount
) -> dict[str, Any]:
    """One's own status (docs/rules.md, "An agent's own status")."""
    text = (body.text or "").strip() or None
    if body.status == "other" and text is None:
        raise ProblemError(
            422, "Invalid request", "A status of Other needs a text saying what it is."
        )
    refusal: str | None = None
    with store.write() as conn:
        raw = load_raw(conn, who.user_id)
        on_call = conn.execute(
            select(calls.c.id).where(calls.c.user_id == who.user_id, calls.c.ended_at.is_(None))
        ).first()
        if raw["status"] == "offline":
            refusal = "You are Offline: sign in on your phone or softphone to set a status."
        elif on_call is not None:
            refusal = "You are Busy on a call: your status changes when the call ends."
        else:
            set_status(conn, who.user_id, body.status, text if body.status == "other" else None)
            touch(conn, [who.user_id], who.username)
            after = dict(
                conn.execute(select(users).where(users.c.id == who.user_id)).one()._mapping
            )
            write_audit(
                conn, actor=who.username, action="set-own-status", target_id=who.user_id,
                target_name=display_name(raw), before=audit_view(raw), after=audit_view(after),
                request_id=request.state.request_id,
            )  # fmt: skip
    if refusal is not None:
        raise ProblemError(409, "Not allowed now", refusal)
    return {
        "status": after["status"],
        "status_text": after["status_text"],
        "status_since": iso(after["status_since"]),
    }
