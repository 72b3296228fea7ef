"""What the routes depend on: the store, and the caller (bearer token -> principal)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from contact_center.api.problems import ProblemError
from contact_center.domain import auth
from contact_center.storage.store import Store


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(401, "Not signed in", "Sign in first: this request has no bearer token.")
    return token.strip()


async def principal(request: Request) -> auth.Principal:
    """The caller, from `auth.TOKEN_CACHE` (no thread, no query) or else the database."""
    token = bearer_token(request)
    who = auth.TOKEN_CACHE.get(token)
    if who is None:
        who = await _shared_check(request, token)
    if who is None:
        raise ProblemError(
            401, "Not signed in", "Your sign-in has expired or was revoked. Sign in again."
        )
    if who.role not in ("supervisor", "admin"):  # e.g. demoted to agent since signing in
        raise ProblemError(403, "Forbidden", f"Your role ({who.role}) cannot use this console.")
    return who


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
StoreDep = Annotated[Store, Depends(get_store)]
