"""Request ids, the body size limit, `no-store` answers and unexpected errors, as a plain
ASGI middleware."""

from __future__ import annotations

import logging
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contact_center.api.problems import problem_response

MAX_BODY = 2_000_000
log = logging.getLogger("contact_center.api")


class RequestIdAndSize:
    """Gives each request an id (X-Request-ID, `request.state.request_id`), refuses bodies
    that are too large or of unknown length, and marks every answer `no-store`.

    An exception no handler answered is logged with the request id and answered with a
    generic 500 problem naming that id: its text (SQL, parameters, paths) stays in the log.

    Plain ASGI: starlette's BaseHTTPMiddleware (@app.middleware) costs ~10% of an instance
    serving long polls (a task and a stream per request).
    """

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

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                out = MutableHeaders(scope=message)
                out["X-Request-ID"] = request_id
                # Answers carry tokens, temporary passwords and personal data: never cache.
                if "cache-control" not in out:
                    out["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception(
                "request %s (%s %s) failed", request_id, scope.get("method"), scope.get("path")
            )
            if started:  # too late for an answer: the server closes the connection
                raise
            failed = problem_response(
                500,
                "Internal error",
                "The server could not answer this request. The error is in the server's log "
                f"under request id {request_id}.",
                request_id=request_id,
            )
            await failed(scope, receive, send_with_headers)
