"""Password hashing (scrypt, a memory-hard KDF), bearer tokens and login rate limiting."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from contact_center.db import api_tokens, users

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
    """Who is calling: the signed-in user behind a bearer token."""

    user_id: int
    username: str
    role: str


def issue_token(
    conn: Connection, user_id: int, lifetime: float = TOKEN_LIFETIME
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
        )
    )
    return token, now + lifetime


def principal_for(conn: Connection, token: str) -> Principal | None:
    """The principal of a live token, or None (unknown, expired, revoked, user inactive)."""
    row = conn.execute(
        select(users.c.id, users.c.username, users.c.role, users.c.active, api_tokens.c.expires_at)
        .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
        .where(api_tokens.c.token_hash == _token_hash(token), api_tokens.c.revoked.is_(False))
    ).first()
    if row is None or row.expires_at < time.time() or not row.active:
        return None
    return Principal(row.id, row.username, row.role)


def revoke_token(conn: Connection, token: str) -> None:
    conn.execute(
        update(api_tokens).where(api_tokens.c.token_hash == _token_hash(token)).values(revoked=True)
    )


def revoke_user_tokens(conn: Connection, user_id: int) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.user_id == user_id).values(revoked=True))


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
