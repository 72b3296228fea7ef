"""Password hashing (scrypt, a memory-hard KDF), bearer tokens and login rate limiting.

A token made by a sign-in is linked to the session row that sign-in made
(`api_tokens.session_id`): revoking the token ends the session, ending the session revokes
the token. `revoked_by` says who ended it when someone else did ("Alex Admin (admin)").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from contact_center.storage.tables import api_tokens, sessions, users

_N, _R, _P = 2**14, 8, 1
TOKEN_LIFETIME = 8 * 3600.0


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


# Checked against when the user does not exist, so a wrong username costs as long as a
# wrong password and the timing does not tell which usernames exist.
_DUMMY_HASH = hash_password("not a password")


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        verify_password(password, _DUMMY_HASH)
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def temporary_password() -> str:
    """Readable but strong: four groups of five characters from an unambiguous alphabet."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the signed-in user behind a bearer token, with what restricts them
    (docs/API.md, "Restricted sign-ins"), as their row said when the token was checked."""

    user_id: int
    username: str
    role: str
    name: str = ""
    must_change_password: bool = False
    two_factor: bool = False
    session_id: int | None = None


def issue_token(
    conn: Connection,
    user_id: int,
    lifetime: float = TOKEN_LIFETIME,
    session_id: int | None = None,
) -> tuple[str, float]:
    token = secrets.token_urlsafe(32)
    now = time.time()
    conn.execute(
        api_tokens.insert().values(
            token_hash=_token_hash(token),
            user_id=user_id,
            created_at=now,
            expires_at=now + lifetime,
            revoked=False,
            session_id=session_id,
        )
    )
    return token, now + lifetime


def principal_for(conn: Connection, token: str) -> Principal | None:
    """The principal of a live token, or None (unknown, expired, revoked, user inactive)."""
    found = token_lookup(conn, token)
    return None if found is None else found[0]


def token_lookup(conn: Connection, token: str) -> tuple[Principal, float] | None:
    """`principal_for` with the token's expiry (epoch seconds): what `TokenCache` keeps."""
    row = conn.execute(
        select(
            users.c.id, users.c.username, users.c.role, users.c.active, users.c.first_name,
            users.c.last_name, users.c.must_change_password, users.c.two_factor,
            api_tokens.c.expires_at, api_tokens.c.session_id,
        )
        .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
        .where(api_tokens.c.token_hash == _token_hash(token), api_tokens.c.revoked.is_(False))
    ).first()  # fmt: skip
    if row is None or row.expires_at < time.time() or not row.active:
        return None
    name = f"{row.first_name} {row.last_name}".strip() or row.username
    who = Principal(
        row.id, row.username, row.role, name, bool(row.must_change_password),
        bool(row.two_factor), row.session_id,
    )  # fmt: skip
    return who, float(row.expires_at)


def why_refused(conn: Connection, token: str) -> tuple[str, str | None]:
    """Why `token_lookup` refused a token: ("signed_out", who), ("expired", None) or
    ("revoked", None) (also an unknown token, or one of a deactivated or deleted user)."""
    row = conn.execute(
        select(api_tokens.c.revoked, api_tokens.c.revoked_by, api_tokens.c.expires_at).where(
            api_tokens.c.token_hash == _token_hash(token)
        )
    ).first()
    if row is None:
        return "revoked", None
    if row.revoked:
        return ("signed_out", row.revoked_by) if row.revoked_by else ("revoked", None)
    if row.expires_at < time.time():
        return "expired", None
    return "revoked", None


class TokenCache:
    """Recently checked tokens (sha-256 -> principal), so a request skips the database.

    An entry lives `ttl` seconds at most and never past the token's own expiry. Revoking a
    token, revoking a user's tokens (deactivation, deletion) or changing a user's role
    through this process drops the entries at once and fences them for `fence` seconds: a
    check that read the database before the revoking transaction committed cannot put the
    old answer back. Another instance's cache still answers for up to `ttl` seconds.
    """

    def __init__(self, ttl: float = 2.0, size: int = 10_000, fence: float = 60.0) -> None:
        self.ttl = ttl
        self.size = size
        self.fence = fence
        self._entries: dict[str, tuple[float, float, Principal]] = {}
        self._fenced_tokens: dict[str, float] = {}
        self._fenced_users: dict[int, float] = {}
        self._lock = threading.Lock()
        self.epoch = 0  # counts forgets: a check started before one must not be shared after

    def get(self, token: str) -> Principal | None:
        key = _token_hash(token)
        hit = self._entries.get(key)
        if hit is None:
            return None
        until, expires_at, who = hit
        if until <= time.monotonic() or expires_at <= time.time():
            with self._lock:
                self._entries.pop(key, None)
            return None
        return who

    def put(self, token: str, who: Principal, expires_at: float) -> None:
        if self.ttl <= 0:
            return
        key = _token_hash(token)
        t = time.monotonic()
        with self._lock:
            if (
                self._fenced_tokens.get(key, 0.0) > t
                or self._fenced_users.get(who.user_id, 0.0) > t
            ):
                return
            if len(self._entries) >= self.size:
                self._entries.clear()  # rare (thousands of live sessions): start over
            self._entries[key] = (t + self.ttl, expires_at, who)

    def forget_token(self, token: str) -> None:
        key = _token_hash(token)
        with self._lock:
            self._entries.pop(key, None)
            self.epoch += 1
            self._fenced_tokens[key] = time.monotonic() + self.fence
            self._prune_fences()

    def forget_user(self, user_id: int) -> None:
        with self._lock:
            for key in [k for k, v in self._entries.items() if v[2].user_id == user_id]:
                del self._entries[key]
            self.epoch += 1
            self._fenced_users[user_id] = time.monotonic() + self.fence
            self._prune_fences()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _prune_fences(self) -> None:
        t = time.monotonic()
        for fences in (self._fenced_tokens, self._fenced_users):
            if len(fences) > 1000:
                for key in [k for k, until in fences.items() if until <= t]:
                    del fences[key]  # type: ignore[arg-type]


# One per process: the hooks below reach it from any write, whichever app runs it.
TOKEN_CACHE = TokenCache()


def revoke_token(conn: Connection, token: str) -> int | None:
    """Revoke one token (its own sign-out) and end its session; the user's id, if found."""
    TOKEN_CACHE.forget_token(token)
    key = _token_hash(token)
    row = conn.execute(
        select(api_tokens.c.user_id, api_tokens.c.session_id).where(api_tokens.c.token_hash == key)
    ).first()
    conn.execute(update(api_tokens).where(api_tokens.c.token_hash == key).values(revoked=True))
    if row is None:
        return None
    if row.session_id is not None:
        conn.execute(delete(sessions).where(sessions.c.id == row.session_id))
    return int(row.user_id)


def revoke_user_tokens(conn: Connection, user_id: int, by: str | None = None) -> None:
    """Revoke every live token of the user and end the sessions they made; `by` is who did
    it, when not the user themselves (their next request is told so)."""
    TOKEN_CACHE.forget_user(user_id)
    live = (api_tokens.c.user_id == user_id) & api_tokens.c.revoked.is_(False)
    made = select(api_tokens.c.session_id).where(live, api_tokens.c.session_id.is_not(None))
    conn.execute(delete(sessions).where(sessions.c.id.in_(made.scalar_subquery())))
    conn.execute(update(api_tokens).where(live).values(revoked=True, revoked_by=by))


def end_session(conn: Connection, user_id: int, session_id: int, by: str | None) -> None:
    """End one session and revoke the tokens linked to it."""
    TOKEN_CACHE.forget_user(user_id)
    conn.execute(
        update(api_tokens)
        .where(api_tokens.c.session_id == session_id, api_tokens.c.revoked.is_(False))
        .values(revoked=True, revoked_by=by)
    )
    conn.execute(delete(sessions).where(sessions.c.id == session_id))


class LoginLimiter:
    """At most `attempts` failed logins per key within `window` seconds."""

    def __init__(self, attempts: int = 5, window: float = 60.0) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        """Seconds to wait before the next attempt is allowed (0 when allowed)."""
        with self._lock:
            q = self._failures.get(key)
            if not q:
                return 0.0
            cutoff = time.monotonic() - self.window
            while q and q[0] < cutoff:
                q.popleft()
            if len(q) < self.attempts:
                return 0.0
            return max(0.0, q[0] + self.window - time.monotonic())

    def failed(self, key: str) -> None:
        with self._lock:
            self._failures.setdefault(key, deque()).append(time.monotonic())

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
