"""The FastAPI application: its state, its routers, its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Protocol

from fastapi import FastAPI

from contact_center.api.middleware import RequestIdAndSize
from contact_center.api.problems import document_problems, install_handlers
from contact_center.api.routes import actions, audit, auth, bulk, meta, sessions, users
from contact_center.domain.auth import LoginLimiter
from contact_center.domain.bulk import BulkRunner
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
    store: Store, services: Sequence[Service] = (), *, require_2fa: Iterable[str] = ()
) -> FastAPI:
    """The API on `store`; `services` start after the app's own workers and stop first.
    Users of the roles in `require_2fa` must set up two-factor authentication."""
    notifier = ChangeNotifier()
    runner = BulkRunner(store)
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
        threading.Thread(target=_warm, args=(store, cache), name="warm-cache", daemon=True).start()
        for service in services:
            service.start()
        try:
            yield
        finally:
            for service in reversed(services):
                service.stop()
            runner.stop()
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
    app.state.login_limiter = LoginLimiter()
    app.state.require_2fa = frozenset(require_2fa)
    app.state.snapshot_cache = cache
    app.state.feed_answers = FeedAnswers()
    app.state.feed_coalesce = FEED_COALESCE
    for routes in (meta, auth, users, sessions, audit, actions, bulk):
        app.include_router(routes.router)
    app.add_middleware(RequestIdAndSize)
    install_handlers(app)
    document_problems(app)
    return app


def _warm(store: Store, cache: SnapshotCache) -> None:
    """Serialise every row once at start, so the first console's snapshot is fast."""
    with contextlib.suppress(Exception), store.read() as conn:
        cache.rows_json(conn)
