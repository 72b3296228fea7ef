"""Request ids, the body size limit and `no-store` answers, as a plain ASGI middleware."""

from __future__ import annotations

import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contact_center.api.problems import problem_response

MAX_BODY = 2_000_000


class RequestIdAndSize:
    """Gives each request an id (X-Request-ID, `request.state.request_id`), refuses bodies
    that are too large or of unknown length, and marks every answer `no-store`.

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

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["X-Request-ID"] = request_id
                # Answers carry tokens, temporary passwords and personal data: never cache.
                if "cache-control" not in out:
                    out["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
