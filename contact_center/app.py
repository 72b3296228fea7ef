"""The FastAPI application: routes, problem answers, request ids, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contact_center.domain import auth
from contact_center.domain.bulk import BulkRunner
from contact_center.feed.answers import FeedAnswers
from contact_center.feed.notifier import ChangeNotifier
from contact_center.feed.pglisten import FeedListener
from contact_center.routes_actions import router as actions_router
from contact_center.routes_bulk import router as bulk_router
from contact_center.routes_read import router as read_router
from contact_center.storage.rows import SnapshotCache
from contact_center.storage.store import Store
from contact_center.web import ProblemError, problem_response

MAX_BODY = 2_000_000
# After a commit wakes a long poll, it waits this long before reading the feed, so that the
# commits of the next few ms go out in one answer and the polls share one read.
FEED_COALESCE = float(os.environ.get("CONTACT_CENTER_FEED_COALESCE_MS", "30")) / 1000


@dataclass
class SimulatorConfig:
    rate: float = 20.0
    seed: int = 1
    stuck_rate: float = 0.02


def create_app(store: Store, simulator: SimulatorConfig | None = None) -> FastAPI:
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
        sim = None
        if simulator is not None:
            from contact_center.simulator import Simulator

            sim = Simulator(
                store, rate=simulator.rate, seed=simulator.seed, stuck_rate=simulator.stuck_rate
            )
            sim.start()
        try:
            yield
        finally:
            if sim is not None:
                sim.stop()
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
    app.state.login_limiter = auth.LoginLimiter()
    app.state.snapshot_cache = cache
    app.state.feed_answers = FeedAnswers()
    app.state.feed_coalesce = FEED_COALESCE
    for router in (read_router, actions_router, bulk_router):
        app.include_router(router)
    _install_handlers(app)
    _document_problems(app)
    return app


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `detail` is a sentence a person can read.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}


def _document_problems(app: FastAPI) -> None:
    """Refused input is answered as a problem (see `on_invalid`), not with FastAPI's default
    422 body: describe it so in the OpenAPI document, or clients validating answers fail."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if "422" in operation.get("responses", {}):
                    operation["responses"]["422"] = {
                        "description": "Invalid request",
                        "content": problem,
                    }
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        components["Problem"] = PROBLEM_SCHEMA
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _warm(store: Store, cache: SnapshotCache) -> None:
    """Serialise every row once at start, so the first console's snapshot is fast."""
    with contextlib.suppress(Exception), store.read() as conn:
        cache.rows_json(conn)


def _install_handlers(app: FastAPI) -> None:
    # A plain ASGI middleware: starlette's BaseHTTPMiddleware (@app.middleware) costs ~10%
    # of an instance serving long polls (a task and a stream per request).
    app.add_middleware(RequestIdAndSize)

    @app.exception_handler(ProblemError)
    async def on_problem(request: Request, exc: ProblemError) -> Response:
        response = problem_response(exc.status, exc.title, exc.detail, **exc.extra)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        return problem_response(422, "Invalid request", _readable(exc))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        return problem_response(exc.status_code, "Error", str(exc.detail))


class RequestIdAndSize:
    """Gives each request an id (X-Request-ID, `request.state.request_id`), refuses bodies
    that are too large or of unknown length, and marks every answer `no-store`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        refusal = None
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            refusal = problem_response(
                413, "Body too large", f"Request bodies are limited to {MAX_BODY} bytes."
            )
        elif length is None and "transfer-encoding" in headers:
            # A chunked body has no length to check up front: it would bypass the limit.
            refusal = problem_response(
                411, "Length required", "Send the request body with a Content-Length header."
            )
        if refusal is not None:
            await refusal(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["X-Request-ID"] = request_id
                # Answers carry tokens, temporary passwords and personal data: never cache.
                if "cache-control" not in out:
                    out["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _readable(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = [str(p) for p in err.get("loc", ())]
        where = ".".join(loc[1:] if loc[:1] == ["body"] and len(loc) > 1 else loc) or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "The request is not valid."
