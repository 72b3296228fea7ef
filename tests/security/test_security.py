"""Security checks against the real backend and the real console code.

- tokens and passwords never appear in logs (every logger captured at DEBUG);
- no secret in any file the console writes (settings, and whatever lands under a private
  HOME/XDG/TMPDIR) after a sign-in with "remember me" on an in-memory keyring;
- TLS verification is on by default in the console's sign-in path;
- the backend stores scrypt hashes (salted, memory-hard) and only hashes of tokens;
- a supervisor token gets 403 on every admin-only operation, enumerated from the
  backend's own /openapi.json and classified by a rule taken from the API contract;
- tokens expire and signing out revokes them; failed sign-ins are rate limited.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import select

from contact_center.domain import auth
from contact_center.storage.tables import api_tokens, users
from contact_center.testing.server import ServerThread
from supervisor_console.api.client import ApiClient, AuthError, new_idempotency_key
from supervisor_console.credentials import CredentialStore
from supervisor_console.session import Console
from supervisor_console.views.sign_in import SignInRequest
from tests.security.openapi_requests import Probe, classify, probes
from tests.support.keyrings import MemoryKeyring
from tests.support.loops import run_on_qasync
from tests.support.stub import Reply

ADMIN_PW = "Adm1n-Secret-pw-7731"
SUPER_PW = "Sup3r-Secret-pw-5519"


@pytest.fixture
def secret_server(tmp_path: Path) -> Iterator[ServerThread]:
    """The backend seeded with secret-looking passwords (searched for in logs and files)."""
    srv = ServerThread(
        tmp_path / "backend" / "cc.db",
        seed_users=30,
        admin_password=ADMIN_PW,
        supervisor_password=SUPER_PW,
    )
    (tmp_path / "backend").mkdir()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def secret_forms(secret: str) -> list[bytes]:
    """The secret as it could end up in a file or a log line."""
    raw = secret.encode()
    return [raw, base64.b64encode(raw), raw.hex().encode(), secret.encode("utf-16-le")]


def assert_nowhere(secrets: dict[str, str], text: bytes, where: str) -> None:
    for name, secret in secrets.items():
        for form in secret_forms(secret):
            assert form not in text, f"the {name} appears in {where}"


# -- logs ---------------------------------------------------------------------------------


async def test_no_secret_in_logs(
    secret_server: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # root: every logger, httpx and httpcore included
    for name in ("httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi"):
        caplog.set_level(logging.DEBUG, logger=name)
    secrets = {"admin password": ADMIN_PW, "supervisor password": SUPER_PW}
    async with ApiClient(secret_server.base_url) as sup, ApiClient(secret_server.base_url) as admin:
        with pytest.raises(AuthError):  # a failed sign-in logs nothing of what was typed
            await sup.login("supervisor", SUPER_PW + "-typo")
        secrets["mistyped password"] = SUPER_PW + "-typo"
        info = await sup.login("supervisor", SUPER_PW)
        admin_info = await admin.login("admin", ADMIN_PW)
        secrets |= {"supervisor token": info.token, "admin token": admin_info.token}
        rows, _ = await sup.users()
        target = next(r for r in rows if r.role == "agent" and r.status.value != "offline")
        body = {"expected_status": target.status.value, "status": "meeting", "text": None}
        headers = {"Idempotency-Key": new_idempotency_key(), "If-Match": str(target.version)}
        await sup.request("PUT", f"/users/{target.id}/status", json=body, headers=headers)
        await sup.request("PUT", f"/users/{target.id}/status", json=body, headers=headers)
        answer = await admin.request(
            "POST",
            f"/users/{target.id}/reset-password",
            json={"expected_status": None, "require_change": True},
            headers={"Idempotency-Key": new_idempotency_key()},
        )
        secrets["temporary password"] = answer["temporary_password"]
        await admin.audit(limit=50)
        assert "token" not in repr(sup)
        assert info.token not in repr(info)
        await sup.logout()
        await admin.logout()
    logged = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    )
    assert caplog.records, "nothing was logged: the capture is not working"
    assert any(r.name.startswith("httpx") for r in caplog.records)
    assert_nowhere(secrets, logged.encode(), "the logs")


# -- files ----------------------------------------------------------------------------------


def test_no_secret_in_files_after_remember_me(
    qapp: Any,
    secret_server: ServerThread,
    memory_keyring: MemoryKeyring,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    home = tmp_path / "home"
    for var, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local"),
                     ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".state"),
                     ("TMPDIR", "tmp")):  # fmt: skip
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(home / sub))
    settings_file = home / ".config" / "console.ini"
    store = CredentialStore()
    tokens: list[str] = []

    async def scenario() -> None:
        settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
        console = Console(settings, store=store, feed_wait=1)
        try:
            console.ask_sign_in(secret_server.base_url)
            req = SignInRequest(secret_server.base_url, "supervisor", SUPER_PW, remember=True)
            await console.sign_in(req)
            await asyncio.wait_for(console.first_full.wait(), 20)
            token = await store.load_token(secret_server.base_url, "supervisor")
            assert token, "remember me did not keep the token"
            tokens.append(token)
            if console.window is not None:
                console.window.save_settings()
            settings.sync()
        finally:
            await console.shutdown()
            if console.window is not None:
                console.window.close()

    run_on_qasync(scenario, qapp, timeout=60)
    assert list(memory_keyring.items.values()) == tokens  # the token, never the password
    files = [p for p in home.rglob("*") if p.is_file()]
    assert settings_file in files
    secrets = {"password": SUPER_PW, "token": tokens[0]}
    for path in files:
        assert_nowhere(secrets, path.read_bytes(), str(path))
    for record in caplog.records:
        where = f"the log record {record.name}:{record.lineno}"
        assert_nowhere(secrets, record.getMessage().encode(), where)


# -- TLS ------------------------------------------------------------------------------------


def test_sign_in_refuses_self_signed_server_without_ca(
    qapp: Any, stub: Any, self_signed: tuple[str, Any], tmp_path: Path
) -> None:
    _ca_file, context = self_signed
    login = {"token": "tok", "role": "admin", "expires_at": None, "user_id": 1, "username": "a"}
    tls_stub = stub(lambda seen: Reply(body=login), tls=context)
    outcome: dict[str, Any] = {}

    async def scenario() -> None:
        settings = QSettings(str(tmp_path / "c.ini"), QSettings.Format.IniFormat)
        console = Console(settings, feed_wait=1)
        try:
            dialog = console.ask_sign_in(tls_stub.url)
            await console.sign_in(SignInRequest(tls_stub.url, "a", "pw", remember=False))
            outcome["error"] = dialog.error.text()
            outcome["client"] = console.client
            outcome["requests"] = len(tls_stub.seen)
        finally:
            await console.shutdown()
            if console.dialog is not None:
                console.dialog.close()

    run_on_qasync(scenario, qapp, timeout=60)
    assert outcome["client"] is None, "signed in to a server whose certificate was not checked"
    assert outcome["requests"] == 0  # the handshake failed: no request, no password sent
    assert "certificate" in outcome["error"].lower() or "ssl" in outcome["error"].lower()


# -- password hashing and token storage -----------------------------------------------------


async def test_passwords_hashed_with_a_real_kdf(secret_server: ServerThread) -> None:
    assert secret_server.store is not None
    async with ApiClient(secret_server.base_url) as client:
        token = (await client.login("admin", ADMIN_PW)).token
        await client.logout()
    with secret_server.store.read() as conn:
        hashes = dict(conn.execute(select(users.c.username, users.c.password_hash)).all())
        token_rows = conn.execute(select(api_tokens.c.token_hash)).scalars().all()
    for name in ("admin", "supervisor"):
        scheme, n, r, p, salt, digest = hashes[name].split("$")
        assert scheme == "scrypt"
        assert int(n) >= 2**14
        assert int(r) >= 8
        assert int(p) >= 1
        assert len(base64.b64decode(salt)) >= 16
        assert len(base64.b64decode(digest)) >= 32
    # Salted: the same password twice gives two different hashes; both verify.
    one, two = auth.hash_password("same"), auth.hash_password("same")
    assert one != two
    assert auth.verify_password("same", one)
    assert auth.verify_password("same", two)
    assert not auth.verify_password("Same", one)
    started = time.perf_counter()
    auth.verify_password(ADMIN_PW, hashes["admin"])
    assert time.perf_counter() - started > 0.005  # deliberately slow, unlike a plain hash
    # Neither passwords nor tokens are stored in clear anywhere in the database files.
    assert token not in token_rows
    assert len(token_rows) >= 1
    blob = b"".join(p.read_bytes() for p in Path(secret_server.db).parent.glob("cc.db*"))
    assert_nowhere({"admin password": ADMIN_PW, "token": token}, blob, "the database")


# -- roles, enumerated from the OpenAPI document --------------------------------------------


async def test_supervisor_gets_403_on_every_admin_only_operation(
    secret_server: ServerThread,
) -> None:
    async with httpx.AsyncClient(base_url=secret_server.base_url, timeout=20) as http:
        document = (await http.get("/openapi.json")).json()
        sup = await _token(http, "supervisor", SUPER_PW)
        admin = await _token(http, "admin", ADMIN_PW)
        job = await http.post(
            "/api/v1/bulk-jobs",
            headers=_bearer(admin),
            json={"action": "add-tags", "scope": {"kind": "ids", "ids": [30]},
                  "params": {"values": ["x"]}},
        )  # fmt: skip
        assert job.status_code == 202, job.text
        all_probes = probes(document, target_id=10, job_id=job.json()["id"], job_action="add-tags")
        admin_only = [p for p in all_probes if classify(p) == "admin"]
        allowed = [p for p in all_probes if classify(p) == "supervisor"]
        # The document really was walked: every path, both kinds, every bulk action.
        assert {p.path for p in all_probes} == set(document["paths"])
        assert len(admin_only) >= 20
        assert len(allowed) >= 15

        wrong = []
        for probe in admin_only:
            answer = await _send(http, probe, sup)
            if answer.status_code != 403:
                wrong.append(f"{probe.label}: supervisor got {answer.status_code} {answer.text}")
            elif "supervisor" not in answer.json().get("detail", ""):
                wrong.append(f"{probe.label}: the 403 does not say which role: {answer.text}")
        for probe in allowed:
            if probe.path == "/api/v1/auth/login":
                continue  # takes no token
            token = sup if probe.path != "/api/v1/auth/logout" else await _token(
                http, "supervisor", SUPER_PW)  # fmt: skip
            answer = await _send(http, probe, token)
            if answer.status_code in (401, 403) or answer.status_code >= 500:
                wrong.append(f"{probe.label}: supervisor refused: {answer.status_code}")
        # The same requests are well formed: an admin gets through the role gate with each.
        for index, probe in enumerate(admin_only):
            answer = await _send(http, probe.retarget(3 + index), admin)
            malformed = answer.status_code == 422 and answer.json()["title"] == "Invalid request"
            if answer.status_code in (401, 403) or malformed or answer.status_code >= 500:
                wrong.append(f"{probe.label}: admin got {answer.status_code} {answer.text}")
        assert wrong == [], "\n".join(wrong)


async def _token(http: httpx.AsyncClient, username: str, password: str) -> str:
    answer = await http.post("/api/v1/auth/login", json={"username": username,
                                                          "password": password})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _send(http: httpx.AsyncClient, probe: Probe, token: str) -> httpx.Response:
    headers = _bearer(token) | {"Idempotency-Key": new_idempotency_key()}
    return await http.request(
        probe.method, probe.url, json=probe.body, params=probe.query, headers=headers
    )


# -- token life -------------------------------------------------------------------------------


async def test_tokens_expire_and_sign_out_revokes(secret_server: ServerThread) -> None:
    assert secret_server.store is not None
    async with httpx.AsyncClient(base_url=secret_server.base_url + "/api/v1") as http:
        answer = await http.post("/auth/login", json={"username": "supervisor",
                                                      "password": SUPER_PW})  # fmt: skip
        body = answer.json()
        lifetime = datetime.fromisoformat(body["expires_at"]) - datetime.now(UTC)
        assert 0 < lifetime.total_seconds() <= 24 * 3600  # a bounded lifetime
        token = body["token"]
        assert (await http.get("/users/1", headers=_bearer(token))).status_code == 200
        assert (await http.post("/auth/logout", headers=_bearer(token))).status_code == 204
        assert (await http.get("/users/1", headers=_bearer(token))).status_code == 401
        assert (await http.post("/auth/logout", headers=_bearer(token))).status_code == 401

        with secret_server.store.write() as conn:  # a token issued with a one-second lifetime
            short, _ = auth.issue_token(conn, 2, lifetime=1.0)
        assert (await http.get("/users/1", headers=_bearer(short))).status_code == 200
        await asyncio.sleep(1.2)
        expired = await http.get("/users/1", headers=_bearer(short))
        assert expired.status_code == 401
        assert "expired" in expired.json()["detail"]

    # The console's client forgets the token on sign-out and the server refuses it after.
    async with ApiClient(secret_server.base_url) as client:
        info = await client.login("supervisor", SUPER_PW)
        await client.logout()
        assert not client.signed_in
        client.use_token(info.token, info.role)
        with pytest.raises(AuthError):
            await client.users()


async def test_login_rate_limited(secret_server: ServerThread) -> None:
    async with httpx.AsyncClient(base_url=secret_server.base_url + "/api/v1") as http:

        async def login(username: str, password: str) -> httpx.Response:
            return await http.post("/auth/login", json={"username": username,
                                                        "password": password})  # fmt: skip

        codes = [(await login("supervisor", f"guess-{i}")).status_code for i in range(5)]
        assert codes == [401] * 5
        blocked = await login("supervisor", SUPER_PW)  # even the right password now
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 0
        assert "token" not in blocked.json()
        assert (await login("supervisor", "guess-6")).status_code == 429
        # Other accounts are not locked out by someone guessing at this one.
        assert (await login("admin", ADMIN_PW)).status_code == 200
