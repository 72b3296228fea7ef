"""Async client for the contact-center API (`/api/v1`): one httpx.AsyncClient per session.

Every failure becomes an `ApiError` subclass with a readable message; rows are validated
by `api/wire.py`. Tokens and passwords are never logged nor shown in a repr.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import logging
import ssl
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from supervisor_console.api import wire
from supervisor_console.api.errors import (
    ApiError,
    AuthError,
    BadRequestError,
    ConflictError,
    CursorExpiredError,
    ForbiddenError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    ServerError,
)
from supervisor_console.api.problems import error_for_status
from supervisor_console.api.types import ChangeBatch, Limit, SessionInfo, Thresholds, UserRow

__all__ = [
    "ApiClient",
    "ApiError",
    "AuthError",
    "BadRequestError",
    "ConflictError",
    "CursorExpiredError",
    "ForbiddenError",
    "MalformedResponseError",
    "NetworkError",
    "NotFoundError",
    "ServerError",
    "SessionInfo",
    "new_idempotency_key",
]

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
MB = 1024 * 1024
SNAPSHOT_MAX_BYTES = 200 * MB  # /users with tens of thousands of rows stays far below this
DEFAULT_MAX_BYTES = 20 * MB


def new_idempotency_key() -> str:
    """A fresh `Idempotency-Key` value; reuse it when retrying the same action."""
    return uuid.uuid4().hex


def _ssl_context(verify: bool | str) -> ssl.SSLContext | bool:
    # httpx deprecates a CA path as `verify`; an explicit context keeps verification on.
    if isinstance(verify, str):
        try:
            return ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as exc:
            raise ApiError(f"Cannot use the certificate file {verify}: {exc}") from exc
    return verify


def _client_name() -> str:
    """`X-Client`: the server lists a sign-in from here as a console session."""
    try:
        version = importlib.metadata.version("supervisor-console")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    return f"supervisor-console/{version}"


def _server_root(base_url: str) -> str:
    root = base_url.rstrip("/")
    return root.removesuffix(API_PREFIX)


class ApiClient:
    """The signed-in session's HTTP client. Close it with `aclose()` (or `async with`)."""

    def __init__(
        self,
        base_url: str,
        *,
        verify: bool | str = True,
        timeout: float = 10.0,
        token: str | None = None,
    ) -> None:
        self.base_url = _server_root(base_url)
        self.timeout = timeout
        self.role: str | None = None
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=self.base_url + API_PREFIX,
            verify=_ssl_context(verify),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"Accept": "application/json", "X-Client": _client_name()},
        )

    def __repr__(self) -> str:
        return f"ApiClient({self.base_url!r}, signed_in={self._token is not None})"

    @property
    def signed_in(self) -> bool:
        return self._token is not None

    def use_token(self, token: str | None, role: str | None = None) -> None:
        """Reuse a remembered token (from the keyring) instead of signing in again."""
        self._token = token
        self.role = role

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- auth --------------------------------------------------------------------------

    async def login(self, username: str, password: str, otp: str | None = None) -> SessionInfo:
        """Sign in; the token is kept for every later call.

        A 401 whose `reason` is "otp_required" or "otp_invalid" (`AuthError.needs_code`)
        means the password was right and a two-factor code (or a backup code) is needed.
        """
        body: dict[str, Any] = {"username": username, "password": password}
        if otp:
            body["otp"] = otp
        try:
            answer = await self.request("POST", "/auth/login", json=body)
        except AuthError as exc:
            # On sign-in a 401 means wrong credentials (or code), not an expired session.
            text = exc.detail or "The username or password is not correct."
            raise AuthError(text, status=401, detail=exc.detail, reason=exc.reason) from None
        return self._signed_in(wire.session_info(answer))

    def _signed_in(self, info: SessionInfo) -> SessionInfo:
        self._token = info.token
        self.role = info.role
        return info

    async def change_password(self, current: str, new: str) -> SessionInfo:
        """Change the signed-in user's password. The server answers with a new token (every
        older one is revoked), which this client uses from now on."""
        body = {"current_password": current, "new_password": new}
        return self._signed_in(
            wire.session_info(await self.request("POST", "/auth/password", json=body))
        )

    async def enroll_two_factor(self) -> tuple[str, str]:
        """Start (or restart) two-factor enrolment: the secret and its otpauth:// URI."""
        body = await self.request("POST", "/auth/2fa/enroll", json={})
        secret, uri = (body or {}).get("secret"), (body or {}).get("otpauth_uri")
        if not isinstance(secret, str) or not isinstance(uri, str):
            raise MalformedResponseError("The server's enrolment answer is malformed.")
        return secret, uri

    async def confirm_two_factor(self, code: str) -> list[str]:
        """Finish enrolment with a code from the app: the one-time backup codes."""
        body = await self.request("POST", "/auth/2fa/confirm", json={"code": code})
        codes = (body or {}).get("backup_codes")
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise MalformedResponseError("The server's backup codes are malformed.")
        return codes

    async def logout(self) -> None:
        """Revoke the token on the server; it is forgotten here even if that fails."""
        try:
            await self.request("POST", "/auth/logout")
        finally:
            self._token = None
            self.role = None

    async def whoami(self) -> str:
        """The role behind the current token (for a token resumed from the keyring)."""
        body = await self.request("GET", "/auth/me")
        role = body.get("role") if isinstance(body, dict) else None
        if role not in ("agent", "supervisor", "admin"):
            raise MalformedResponseError("The server's answer has a malformed 'role'.")
        self.role = role
        return str(role)

    # -- reads -------------------------------------------------------------------------

    async def users(self) -> tuple[list[UserRow], int]:
        """The snapshot: every user and the change cursor to follow from."""
        batch = await self.snapshot()
        return batch.changed, batch.cursor

    async def snapshot(self) -> ChangeBatch:
        """The snapshot as a full batch, dated by the server's time of the answer.

        `server_time` is the server's clock brought onto ours (see `_dated`).
        """
        sent = _wall_clock()
        body = await self.request("GET", "/users", max_bytes=SNAPSHOT_MAX_BYTES, parse=False)
        arrived = _wall_clock()
        return _dated(await wire.off_loop(body, wire.parse_snapshot_batch), sent, arrived)

    async def changes(self, since: int, wait: float = 25.0) -> ChangeBatch:
        """Long-poll the rows changed after `since` (empty batch after `wait` seconds)."""
        # The server holds the request up to `wait`: the read timeout must outlast it.
        timeout = httpx.Timeout(self.timeout, read=wait + self.timeout)
        params = {"since": since, "wait": wait}
        sent = _wall_clock()
        body = await self.request(
            "GET", "/changes", params=params, timeout=timeout,
            max_bytes=SNAPSHOT_MAX_BYTES, parse=False,
        )  # fmt: skip
        arrived = _wall_clock()
        return _dated(await wire.off_loop(body, wire.parse_changes), sent, arrived)

    async def user(self, user_id: int) -> UserRow:
        return wire.row(await self.request("GET", f"/users/{int(user_id)}"))

    async def sessions(self, user_id: int) -> list[dict[str, Any]]:
        return wire.objects(await self.request("GET", f"/users/{int(user_id)}/sessions"))

    async def thresholds(self) -> Thresholds:
        """The time limits every console shares (`GET /settings/thresholds`)."""
        return wire.thresholds(await self.request("GET", "/settings/thresholds"))

    async def set_thresholds(self, limits: dict[str, Limit], version: int) -> Thresholds:
        """Change the time limits (admins); 409 (ConflictError) when someone changed them
        since `version`."""
        body = {
            "thresholds": {k: {"warn_s": v.warn_s, "alert_s": v.alert_s} for k, v in limits.items()}
        }
        answer = await self.request(
            "PUT", "/settings/thresholds", json=body, headers={"If-Match": str(version)}
        )
        return wire.thresholds(answer)

    async def views(self) -> list[dict[str, Any]]:
        """The caller's saved views and everyone's shared ones, by name."""
        body = await self.request("GET", "/views")
        return wire.objects((body or {}).get("views") if isinstance(body, dict) else None)

    async def save_view(
        self, name: str, layout: dict[str, Any], *, shared: bool, view_id: int | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Create a view, or (with `view_id` and `version`) replace one of one's own."""
        body = {"name": name, "shared": shared, "layout": layout}
        if view_id is None:
            answer = await self.request("POST", "/views", json=body)
        else:
            answer = await self.request(
                "PUT", f"/views/{int(view_id)}", json=body, headers={"If-Match": str(version)}
            )
        return answer if isinstance(answer, dict) else {}

    async def delete_view(self, view_id: int) -> None:
        await self.request("DELETE", f"/views/{int(view_id)}")

    async def phone_numbers(self) -> list[str]:
        """The inventory's free phone numbers (for Edit user's picker)."""
        body = await self.request("GET", "/phone-numbers", params={"available": "true"})
        found = wire.objects((body or {}).get("phone_numbers") if isinstance(body, dict) else None)
        return [str(n["number"]) for n in found if isinstance(n.get("number"), str)]

    async def all_sessions(self, limit: int = 5000) -> list[dict[str, Any]]:
        """Every active session of every user (console, API and devices), newest first."""
        body = await self.request("GET", "/sessions", params={"limit": limit})
        return wire.objects((body or {}).get("sessions") if isinstance(body, dict) else None)

    async def end_session(self, user_id: int, session_id: int) -> dict[str, Any]:
        """Force logout of one session of a user."""
        body = await self.request(
            "POST", f"/users/{int(user_id)}/logout", json={"session_id": int(session_id)},
            headers={"Idempotency-Key": new_idempotency_key()},
        )  # fmt: skip
        return body if isinstance(body, dict) else {}

    async def calls(self, user_id: int, limit: int = 50) -> list[dict[str, Any]]:
        body = await self.request("GET", f"/users/{int(user_id)}/calls", params={"limit": limit})
        return wire.objects(body)

    async def activity(self, user_id: int, limit: int = 100) -> list[dict[str, Any]]:
        path = f"/users/{int(user_id)}/activity"
        return wire.objects(await self.request("GET", path, params={"limit": limit}))

    async def audit(self, **filters: str | int | datetime | None) -> list[dict[str, Any]]:
        """The audit log, newest first; filters: user_id, actor, action, since, until, limit."""
        params = {
            k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in filters.items()
            if v is not None
        }
        return wire.objects(await self.request("GET", "/audit", params=params))

    # -- the one place that talks HTTP -------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        parse: bool = True,
    ) -> Any:
        """Send one request under `/api/v1`; return the decoded JSON (None for no body).

        `headers` carries e.g. `Idempotency-Key` and `If-Match`. With `parse=False` the raw
        body bytes are returned (for callers that decode big bodies off the loop).
        """
        request = self._http.build_request(
            method, path, json=json, params=params, headers=self._headers(headers),
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )  # fmt: skip
        status, body = await self._send(request, max_bytes)
        log.debug("%s %s -> %s (%d bytes)", method, path, status, len(body))
        if status >= 400:
            raise error_for_status(status, wire.loads_or_none(body), role=self.role)
        if not parse:
            return body
        return wire.loads(body) if body.strip() else None

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    async def _send(self, request: httpx.Request, max_bytes: int) -> tuple[int, bytes]:
        try:
            response = await self._http.send(request, stream=True)
            try:
                body = await _read_capped(response, max_bytes)
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            raise NetworkError(f"Cannot reach the server {self.base_url}: it timed out.") from exc
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            text = f"Cannot reach the server {self.base_url} ({reason})."
            raise NetworkError(text) from exc
        except httpx.DecodingError as exc:
            raise MalformedResponseError(f"The server sent an undecodable body: {exc}") from exc
        return response.status_code, body


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _dated(batch: ChangeBatch, sent: datetime, arrived: datetime) -> ChangeBatch:
    """`batch` with its `server_time` on the console's clock: what the data's age counts from.

    The server answered some time between our sending the request and its arrival, so its
    time of the answer is clamped into [sent, arrived]. With clocks in step (the usual case,
    and always in tests on one machine) the clamp changes nothing and the age is exact: under
    a slow network the data shows as old as it is. A server clock ahead of ours would make
    data look younger, even "from the future": it is clamped to the arrival (the age counts
    from arrival, as if the server had not said). A server clock behind ours is clamped to
    the sending: the data never looks older than the request that fetched it. Either way a
    skewed clock is off by at most the request's own duration. No `server_time` (an older
    server, or malformed): the arrival time.
    """
    when = batch.server_time
    when = arrived if when is None else min(max(when, sent), arrived)
    return dataclasses.replace(batch, server_time=when)


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    too_big = MalformedResponseError(f"The server's answer is larger than {max_bytes // MB} MB.")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)
