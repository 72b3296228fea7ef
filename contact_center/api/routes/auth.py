"""Sign-in and sign-out: a bearer token for a supervisor or an admin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from contact_center.api.dependencies import StoreDep, Who, bearer_token
from contact_center.api.problems import ProblemError
from contact_center.api.schemas import LoginAnswer, LoginBody
from contact_center.api.signin_limits import SignInLimits
from contact_center.domain import auth
from contact_center.storage.clock import iso
from contact_center.storage.tables import users

router = APIRouter(prefix="/api/v1")


@router.post("/auth/login", response_model=LoginAnswer, tags=["auth"])
def login(body: LoginBody, request: Request, store: StoreDep) -> dict[str, Any]:
    limiter: SignInLimits = request.app.state.login_limiter
    # The peer, or the address a trusted proxy forwarded (uvicorn's proxy headers): never
    # an X-Forwarded-For from an untrusted client (`serve --forwarded-allow-ips`).
    address = request.client.host if request.client else "-"
    wait = limiter.retry_after(body.username, address)
    if wait > 0:
        err = ProblemError(
            429, "Too many attempts", f"Too many failed sign-ins. Try again in {int(wait) + 1} s."
        )
        err.headers["Retry-After"] = str(int(wait) + 1)
        raise err
    with store.read() as conn:
        row = conn.execute(select(users).where(users.c.username == body.username)).first()
    valid = auth.verify_password(body.password, None if row is None else row.password_hash)
    if row is None or not valid:
        limiter.failed(body.username, address)
        raise ProblemError(401, "Sign-in failed", "Wrong username or password.")
    limiter.succeeded(body.username, address)
    if not row.active:
        raise ProblemError(403, "Account deactivated", "This account is deactivated.")
    if row.role not in ("supervisor", "admin"):
        raise ProblemError(403, "Forbidden", "Only supervisors and admins can use this console.")
    with store.write() as conn:
        # Issued only for the credentials just checked: a password reset (or deactivation,
        # or role change) that committed while the password was being verified wins.
        token_and_expiry = auth.issue_token_if_unchanged(conn, row.id, row.password_hash)
    if token_and_expiry is None:
        raise ProblemError(401, "Sign-in failed", "Wrong username or password.")
    token, expires = token_and_expiry
    return {
        "token": token,
        "role": row.role,
        "expires_at": iso(expires),
        "user_id": row.id,
        "username": row.username,
    }


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(request: Request, store: StoreDep, who: Who) -> Response:
    with store.write() as conn:
        auth.revoke_token(conn, bearer_token(request))
    return Response(status_code=204)


@router.get("/auth/me", tags=["auth"])
def whoami(who: Who) -> dict[str, Any]:
    """Who the token belongs to: lets a console resumed from a remembered token know its role."""
    return {"user_id": who.user_id, "username": who.username, "role": who.role}
