"""HTTP plumbing shared by the routes: problems, principals, the long-poll notifier."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from contact_center import auth
from contact_center.storage.store import Store


class ProblemError(Exception):
    """An answer in RFC 9457 problem form; `extra` fields ride along (e.g. `current`)."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


def problem_response(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


class ChangeNotifier:
    """Wakes long polls after a commit; commits may happen on any thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self.generation = 0  # how many times it fired: names the current event

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        """The event the next commit will set; take it *before* checking for changes."""
        assert self._event is not None, "notifier not bound to a loop"
        return self._event

    def notify(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        old, self._event = self._event, asyncio.Event()
        self.generation += 1
        if old is not None:
            old.set()


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
