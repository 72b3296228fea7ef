"""An in-memory keyring (tests never touch the OS credential store) and a failing one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.core
import keyring.errors
import pytest


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory keyring: tests never touch the OS credential store."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring: unannotated
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


@contextlib.contextmanager
def _installed(ring: keyring.backend.KeyringBackend) -> Iterator[None]:
    # Read the private slot rather than get_keyring(): that would probe the OS store.
    previous = keyring.core._keyring_backend
    keyring.set_keyring(ring)
    try:
        yield
    finally:
        keyring.core._keyring_backend = previous


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    ring = MemoryKeyring()
    with _installed(ring):
        yield ring


@pytest.fixture
def failing_keyring() -> Iterator[None]:
    with _installed(keyring.backends.fail.Keyring()):
        yield
