"""CredentialStore over an in-memory keyring, and without any keyring."""

from __future__ import annotations

import threading

import keyring
import keyring.backends.null

from supervisor_console.credentials import NO_KEYRING_WARNING, SERVICE, CredentialStore
from tests.support.keyrings import MemoryKeyring

URL = "https://cc.example.com"


async def test_token_round_trip(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore()
    assert await store.save_token(URL, "ann", "tok-1") is True
    assert memory_keyring.items == {(SERVICE, f"{URL}|ann"): "tok-1"}
    assert await CredentialStore().load_token(URL, "ann") == "tok-1"  # a later session
    assert await store.load_token(URL, "bob") is None
    assert store.available is True
    assert store.take_warning() is None


async def test_forget_removes_token_and_password(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore()
    await store.save_token(URL, "ann", "tok")
    await store.save_password(URL, "ann", "pw")
    assert await store.load_password(URL, "ann") == "pw"
    await store.forget(URL, "ann")
    await store.forget(URL, "ann")  # forgetting twice is fine
    assert memory_keyring.items == {}
    assert await store.load_token(URL, "ann") is None


async def test_password_only_when_asked(memory_keyring: MemoryKeyring) -> None:
    await CredentialStore().save_token(URL, "ann", "tok")
    assert [k for _, k in memory_keyring.items] == [f"{URL}|ann"]


async def test_keyring_calls_run_off_the_loop_thread(memory_keyring: MemoryKeyring) -> None:
    threads: list[threading.Thread] = []
    real = memory_keyring.set_password

    def spy(service: str, username: str, password: str) -> None:
        threads.append(threading.current_thread())
        real(service, username, password)

    memory_keyring.set_password = spy  # type: ignore[method-assign]
    await CredentialStore().save_token(URL, "ann", "tok")
    assert threads
    assert threads[0] is not threading.main_thread()


async def test_no_keyring_keeps_token_in_memory(failing_keyring: None) -> None:
    store = CredentialStore()
    assert await store.save_token(URL, "ann", "tok") is False
    assert store.available is False
    assert await store.load_token(URL, "ann") == "tok"
    assert store.take_warning() == NO_KEYRING_WARNING
    assert store.take_warning() is None  # shown once
    await store.forget(URL, "ann")
    assert await store.load_token(URL, "ann") is None


async def test_null_backend_is_not_trusted() -> None:
    previous = keyring.core._keyring_backend
    keyring.set_keyring(keyring.backends.null.Keyring())
    try:
        store = CredentialStore()
        assert await store.save_token(URL, "ann", "tok") is False
        assert await store.load_token(URL, "ann") == "tok"
        assert store.warning == NO_KEYRING_WARNING
    finally:
        keyring.core._keyring_backend = previous


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the user dismissed the unlock prompt")


async def test_locked_keyring_falls_back_to_memory() -> None:
    previous = keyring.core._keyring_backend
    keyring.set_keyring(LockedKeyring())
    try:
        store = CredentialStore()
        assert await store.save_token(URL, "ann", "tok") is False
        assert await store.load_token(URL, "ann") == "tok"
        assert store.available is False
        assert store.take_warning() == NO_KEYRING_WARNING
    finally:
        keyring.core._keyring_backend = previous


async def test_same_server_spelled_differently(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore()
    await store.save_token(URL + "/api/v1/", "ann", "tok")
    assert await store.load_token(URL, "ann") == "tok"
    assert list(memory_keyring.items) == [(SERVICE, f"{URL}|ann")]
