"""The sign-in token in the OS keyring; in memory only when there is no usable keyring.

Every keyring call runs in a worker thread: backends block (D-Bus, unlock prompts) and
must never freeze the GUI thread. Nothing secret is ever written to a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

import keyring
import keyring.errors

log = logging.getLogger(__name__)
T = TypeVar("T")

SERVICE = "supervisor-console"
NO_KEYRING_WARNING = "No system keyring is available: your sign-in will not be remembered."
# Backends that do not keep secrets safely: the null one forgets, keyrings.alt writes files.
_REFUSED_BACKENDS = ("keyring.backends.null", "keyring.backends.fail", "keyrings.alt")


def token_key(server_url: str, username: str) -> str:
    # "https://cc/", "https://cc" and "https://cc/api/v1" name the same server.
    server = server_url.rstrip("/").removesuffix("/api/v1")
    return f"{server}|{username}"


def _password_key(server_url: str, username: str) -> str:
    return f"{token_key(server_url, username)}|password"


class CredentialStore:
    """Remembers tokens (and, only when asked, passwords) per server and user."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service
        self.available: bool | None = None  # None until the keyring was first tried
        self.warning: str | None = None
        self._warning_shown = False
        self._memory: dict[str, str] = {}

    def take_warning(self) -> str | None:
        """The 'no keyring' warning, returned once so the UI shows it once."""
        if self.warning is None or self._warning_shown:
            return None
        self._warning_shown = True
        return self.warning

    async def save_token(self, server_url: str, username: str, token: str) -> bool:
        """Store the token; True when it is in the keyring, False when only in memory."""
        return await self._save(token_key(server_url, username), token)

    async def load_token(self, server_url: str, username: str) -> str | None:
        return await self._load(token_key(server_url, username))

    async def save_password(self, server_url: str, username: str, password: str) -> bool:
        """Only when the user explicitly asked to remember the password."""
        return await self._save(_password_key(server_url, username), password)

    async def load_password(self, server_url: str, username: str) -> str | None:
        return await self._load(_password_key(server_url, username))

    async def forget(self, server_url: str, username: str) -> None:
        """Remove the token and any password for this server and user."""
        for key in (token_key(server_url, username), _password_key(server_url, username)):
            self._memory.pop(key, None)
            await self._call(self._delete, key)

    # -- internals -----------------------------------------------------------------------

    async def _save(self, key: str, secret: str) -> bool:
        self._memory[key] = secret
        if await self._call(keyring.set_password, self.service, key, secret) is _FAILED:
            return False
        # Once the keyring holds it, memory need not: a forget() elsewhere stays authoritative.
        del self._memory[key]
        return True

    async def _load(self, key: str) -> str | None:
        if key in self._memory:
            return self._memory[key]
        value = await self._call(keyring.get_password, self.service, key)
        return None if isinstance(value, _Failed) else value

    def _delete(self, key: str) -> None:
        # Nothing stored means already forgotten.
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(self.service, key)

    async def _call(self, func: Callable[..., T], *args: str) -> T | _Failed:
        """Run one keyring call off the loop; on any keyring failure fall back to memory."""
        if self.available is False:
            return _FAILED
        try:
            if self.available is None:
                await asyncio.to_thread(self._check_backend)
            # qasync's executor logs what it runs and what it returns at DEBUG: a closure
            # and a wrapped result keep the secret out of those reprs.
            result = (await asyncio.to_thread(lambda: _Hidden(func(*args)))).value
        except keyring.errors.KeyringError as exc:  # NoKeyringError, InitError, locked ...
            self._give_up(str(exc) or type(exc).__name__)
            return _FAILED
        self.available = True
        return result

    def _check_backend(self) -> None:
        backend = type(keyring.get_keyring())
        if backend.__module__.startswith(_REFUSED_BACKENDS):
            raise keyring.errors.NoKeyringError(f"refusing keyring backend {backend.__module__}")

    def _give_up(self, reason: str) -> None:
        log.warning("keyring unavailable (%s); secrets stay in memory only", reason)
        self.available = False
        self.warning = NO_KEYRING_WARNING


class _Hidden(Generic[T]):
    """A value whose repr does not show it (a secret on its way back from a thread)."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"


class _Failed:
    """Marks a keyring call that did not happen (distinct from a stored None)."""


_FAILED = _Failed()
