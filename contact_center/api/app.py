"""The FastAPI application: its state, its routers, its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Protocol

from fastapi import FastAPI

from contact_center.api.middleware import RequestIdAndSize
from contact_center.api.problems import document_problems, install_handlers
from contact_center.api.routes import (
    actions,
    audit,
    auth,
    bulk,
    edit,
    meta,
    sessions,
    settings,
    users,
    views,
    welcome,
)
from contact_center.api.signin_limits import SignInLimits
from contact_center.domain.bulk import BulkRunner
from contact_center.domain.outbox import DEFAULT_MAIL, MailSettings, OutboxWorker
from contact_center.feed.answers import FeedAnswers
from contact_center.feed.notifier import ChangeNotifier
from contact_center.feed.pglisten import FeedListener
from contact_center.storage.rows import SnapshotCache
from contact_center.storage.store import Store

# After a commit wakes a long poll, it waits this long before reading the feed, so that the
# commits of the next few ms go out in one answer and the polls share one read.
FEED_COALESCE = float(os.environ.get("CONTACT_CENTER_FEED_COALESCE_MS", "30")) / 1000


class Service(Protocol):
    """A background worker that runs while the app does (e.g. `sim.simulator.Simulator`)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


def create_app(
    store: Store,
    services: Sequence[Service] = (),
    mail: MailSettings | None = None,
    *,
    require_2fa: Iterable[str] = (),
) -> FastAPI:
    """The API on `store`; `services` start after the app's own workers and stop first.

    `mail`: the SMTP server, sender and public URL of the welcome emails (without one they
    stay queued in the outbox). Users of the roles in `require_2fa` must set up two-factor
    authentication."""
    mail = mail or DEFAULT_MAIL
    notifier = ChangeNotifier()
    mailer = OutboxWorker(store, mail)
    runner = BulkRunner(store, mail, mailer.submit)
    cache = SnapshotCache()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        notifier.bind(asyncio.get_running_loop())
        store.add_commit_listener(notifier.notify)
        # On PostgreSQL, other instances' commits wake this one's long polls too.
        others = None
        if store.is_postgres:
            others = FeedListener(store.engine, store.instance_id, notifier.notify)
            others.start()
        app.state.feed_listener = others
        runner.start()
        mailer.start()
        threading.Thread(target=_warm, args=(store, cache), name="warm-cache", daemon=True).start()
        for service in services:
            service.start()
        try:
            yield
        finally:
            for service in reversed(services):
                service.stop()
            runner.stop()
            mailer.stop()
            if others is not None:
                others.stop()
            store.remove_commit_listener(notifier.notify)

    app = FastAPI(
        title="Contact center admin API",
        version="1.0",
        description="The reference backend of Supervisor Console. See docs/API.md.",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.notifier = notifier
    app.state.bulk_runner = runner
    app.state.mail = mail
    app.state.outbox = mailer
    app.state.login_limiter = SignInLimits()
    app.state.require_2fa = frozenset(require_2fa)
    app.state.snapshot_cache = cache
    app.state.feed_answers = FeedAnswers()
    app.state.feed_coalesce = FEED_COALESCE
    routers = (meta, auth, users, sessions, audit, actions, edit, bulk, settings, views, welcome)
    for routes in routers:
        app.include_router(routes.router)
    app.add_middleware(RequestIdAndSize)
    install_handlers(app)
    document_problems(app)
    return app


def proxy_options(forwarded_allow_ips: str | None) -> dict[str, Any]:
    """uvicorn's settings for X-Forwarded-For / X-Forwarded-Proto: believed only from the
    proxies listed (comma-separated addresses or networks, `*` for any); with none (the
    default) never. uvicorn's own default trusts 127.0.0.1, so a local client could pick the
    address the sign-in rate limit counts. `serve` and `testing.ServerThread` both use this."""
    if not forwarded_allow_ips:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": forwarded_allow_ips}


def _warm(store: Store, cache: SnapshotCache) -> None:
    """Serialise every row once at start, so the first console's snapshot is fast."""
    with contextlib.suppress(Exception), store.read() as conn:
        cache.rows_json(conn)
