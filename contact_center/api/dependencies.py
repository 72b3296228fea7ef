"""What the routes depend on: the store, and the caller (bearer token -> principal).

Three kinds of caller (docs/API.md, "Restricted sign-ins" and "Agents"):
- `Who`: a supervisor or an admin whose sign-in is not restricted: every read and action;
- `OwnAccount`: anyone signed in and not restricted: their own status (`/me/status`);
- `SignedIn`: anyone signed in, restricted or not: `/auth/*` (password, 2FA, me, logout).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError

from contact_center.api.problems import ProblemError
from contact_center.domain import auth, sessions
from contact_center.storage.store import Store

# A session's last_seen is written at most this often per session (per instance).
SEEN_EVERY = 60.0
PASSWORD_CHANGE_REQUIRED = "Change your password first: this sign-in used a temporary password."
ENROLMENT_REQUIRED = "Set up two-factor authentication first: your role requires it."
AGENTS_REFUSED = "Agents cannot use the supervisor console's reads or actions."
SIGNED_OUT_AGAIN = "Your sign-in has expired or was revoked. Sign in again."
EXPIRED = "Your sign-in has expired. Sign in again."


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(401, "Not signed in", "Sign in first: this request has no bearer token.")
    return token.strip()


def required_2fa(request: Request) -> frozenset[str]:
    """The roles that must use two-factor authentication (`serve --require-2fa`)."""
    roles: frozenset[str] = getattr(request.app.state, "require_2fa", frozenset())
    return roles


def restriction(who: auth.Principal, require_2fa: frozenset[str]) -> tuple[str, str] | None:
    """(reason, detail) when the sign-in may only change the password or enrol 2FA."""
    if who.must_change_password:
        return "password_change_required", PASSWORD_CHANGE_REQUIRED
    if who.role in require_2fa and not who.two_factor:
        return "two_factor_enrolment_required", ENROLMENT_REQUIRED
    return None


async def signed_in(request: Request) -> auth.Principal:
    """The caller, from `auth.TOKEN_CACHE` (no thread, no query) or else the database;
    401 with the reason (signed out by someone, expired, revoked) when the token is not live."""
    token = bearer_token(request)
    who = auth.TOKEN_CACHE.get(token)
    if who is None:
        who = await _shared_check(request, token)
    if who is None:
        reason, by = await run_in_threadpool(_why_refused, get_store(request), token)
        if reason == "signed_out" and by:
            raise ProblemError(
                401, "Signed out", f"You were signed out by {by}.", reason=reason, by=by
            )
        detail = EXPIRED if reason == "expired" else SIGNED_OUT_AGAIN
        raise ProblemError(401, "Not signed in", detail, reason=reason)
    if who.session_id is not None:
        await _mark_seen(request, who.session_id)
    return who


async def own_account(request: Request) -> auth.Principal:
    """Anyone signed in whose sign-in is not restricted."""
    who = await signed_in(request)
    restricted = restriction(who, required_2fa(request))
    if restricted is not None:
        reason, detail = restricted
        raise ProblemError(403, "Forbidden", detail, reason=reason)
    return who


async def principal(request: Request) -> auth.Principal:
    """A supervisor or an admin whose sign-in is not restricted."""
    who = await own_account(request)
    if who.role not in ("supervisor", "admin"):
        raise ProblemError(403, "Forbidden", AGENTS_REFUSED, reason="agent")
    return who


def note_seen(request: Request, session_id: int) -> None:
    """A session whose last_seen was just written (by its sign-in)."""
    marks = _seen_marks(request)
    if len(marks) > 10_000:
        marks.clear()  # rare: thousands of live sign-ins on one instance
    marks[session_id] = time.monotonic()


def _seen_marks(request: Request) -> dict[int, float]:
    marks: dict[int, float] | None = getattr(request.app.state, "seen_marks", None)
    if marks is None:
        marks = request.app.state.seen_marks = {}
    return marks


async def _mark_seen(request: Request, session_id: int) -> None:
    """Refresh the session's last_seen at most once a minute: one UPDATE, in a thread."""
    last = _seen_marks(request).get(session_id)
    if last is not None and time.monotonic() - last < SEEN_EVERY:
        return
    note_seen(request, session_id)
    await run_in_threadpool(_write_seen, get_store(request), session_id)


def _write_seen(store: Store, session_id: int) -> None:
    # Not worth failing the request for (e.g. the database busy): tried again next minute.
    with contextlib.suppress(SQLAlchemyError), store.write(quiet=True) as conn:
        sessions.mark_seen(conn, session_id)


def _why_refused(store: Store, token: str) -> tuple[str, str | None]:
    with store.read() as conn:
        return auth.why_refused(conn, token)


async def _shared_check(request: Request, token: str) -> auth.Principal | None:
    """One database check per token at a time: when a cached entry lapses, the consoles
    sharing the token must not all query at once. Joins only a check that started after
    the latest revocation through this process."""
    checks: dict[str, tuple[int, asyncio.Future[auth.Principal | None]]] | None
    checks = getattr(request.app.state, "token_checks", None)
    if checks is None:
        checks = request.app.state.token_checks = {}
    running = checks.get(token)
    if running is None or running[0] != auth.TOKEN_CACHE.epoch:
        future = asyncio.ensure_future(run_in_threadpool(_check_token, get_store(request), token))
        running = checks[token] = (auth.TOKEN_CACHE.epoch, future)

        def done(f: asyncio.Future[auth.Principal | None], entry: Any = running) -> None:
            if checks.get(token) is entry:
                del checks[token]

        future.add_done_callback(done)
    return await asyncio.shield(running[1])


def _check_token(store: Store, token: str) -> auth.Principal | None:
    with store.read() as conn:
        found = auth.token_lookup(conn, token)
    if found is None:
        return None
    who, expires_at = found
    auth.TOKEN_CACHE.put(token, who, expires_at)
    return who


def require_admin(who: auth.Principal, verb: str) -> None:
    if who.role != "admin":
        raise ProblemError(403, "Forbidden", f"Your role ({who.role}) cannot {verb}.")


Who = Annotated[auth.Principal, Depends(principal)]
OwnAccount = Annotated[auth.Principal, Depends(own_account)]
SignedIn = Annotated[auth.Principal, Depends(signed_in)]
StoreDep = Annotated[Store, Depends(get_store)]
