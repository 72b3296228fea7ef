"""The welcome email is really sent (issue 14, item 4), to a real SMTP server on loopback
(aiosmtpd): down at first (the email stays queued, the error in the activity), then up
(the worker delivers); the link sets a password once; the new holder signs in with it."""

from __future__ import annotations

import email
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from contact_center.domain.outbox import Backoff
from contact_center.storage.tables import outbox
from contact_center.testing.server import ServerThread
from tests.support.backend import assert_problem, client_for, login, sql_rows, token_for

# Retries within a test's patience: 0.1 s doubling to 0.4 s.
FAST = Backoff(first=0.1, factor=2.0, cap=0.4, give_up=3600.0)
NEW_PASSWORD = "correct horse battery staple"


class Inbox:
    """An aiosmtpd handler keeping what it receives; refuses recipients on request."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.refuse_with: str | None = None

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        self.messages.append(email.message_from_bytes(raw))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def smtp_on() -> Iterator[Callable[[int], Inbox]]:
    """Start an SMTP server on 127.0.0.1:PORT (when the test chooses); stopped after."""
    started: list[Controller] = []

    def start(port: int) -> Inbox:
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return inbox

    try:
        yield start
    finally:
        for controller in started:
            controller.stop()


def until(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def welcome_entries(admin: httpx.Client, uid: int) -> list[dict[str, Any]]:
    activity = admin.get(f"/users/{uid}/activity").json()
    return [e for e in reversed(activity) if e["action"] == "welcome-email"]


def recycle_with_welcome(admin: httpx.Client, uid: int, address: str) -> dict[str, Any]:
    r = admin.post(
        f"/users/{uid}/reset",
        json={
            "recycle": {
                "first_name": "Grace", "last_name": "Hopper", "email": address,
                "send_welcome_email": True,
            }
        },
    )  # fmt: skip
    assert r.status_code == 200, r.text
    summary: dict[str, Any] = r.json()["summary"]
    return summary


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_welcome_email_survives_smtp_down_then_sets_a_password(
    make_server: Callable[..., ServerThread], smtp_on: Callable[[int], Inbox]
) -> None:
    port = free_port()  # nothing listens there yet
    srv = make_server(smtp_url=f"smtp://127.0.0.1:{port}", outbox_backoff=FAST)
    uid = 2  # the seeded supervisor: a console user, so the new holder can sign in
    with client_for(srv, token_for(srv, "admin")) as admin:
        summary = recycle_with_welcome(admin, uid, "grace@example.com")
        assert summary["welcome_email"] == "queued"
        assert "welcome_link" not in summary  # with SMTP the link goes to the new holder only
        # SMTP down: still queued, and the activity says why
        retrying = until(
            lambda: [e for e in welcome_entries(admin, uid) if "error" in e["after"]],
            "the first failed attempt",
        )
        assert retrying[0]["after"]["state"] == "queued"
        assert "cannot reach the SMTP server" in retrying[0]["after"]["error"]
        [row] = sql_rows(srv, select(outbox))
        assert row["state"] == "queued"
        # SMTP up on that port: the worker delivers at its next attempt
        inbox = smtp_on(port)
        until(lambda: inbox.messages, "the email to arrive")
        until(
            lambda: [e for e in welcome_entries(admin, uid) if e["after"]["state"] == "sent"],
            "the sent entry",
        )
        states = [e["after"]["state"] for e in welcome_entries(admin, uid)]
        assert states[0] == "queued"
        assert states[-1] == "sent"
        activity_text = json.dumps(admin.get(f"/users/{uid}/activity").json())
    [message] = inbox.messages
    assert message["To"] == "grace@example.com"
    assert message["From"] == "supervisor-console@localhost"
    assert message["Subject"] == "Your new account: set your password"
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Your username: supervisor" in body
    found = re.search(re.escape(srv.base_url) + r"/welcome/([A-Za-z0-9_-]+)", body)
    assert found, body
    link, token = found.group(0), found.group(1)
    assert token not in activity_text
    [sent] = sql_rows(srv, select(outbox))
    assert (sent["state"], sent["link"]) == ("sent", None)
    assert token not in sent["body"]
    with httpx.Client(timeout=10) as browser:
        form = browser.get(link)
        assert form.status_code == 200
        assert "supervisor" in form.text
        assert "<script" not in form.text
        assert form.headers["referrer-policy"] == "no-referrer"
        csrf = csrf_of(form)

        def submit(password: str, confirm: str | None = None) -> httpx.Response:
            data = {"csrf": csrf, "password": password, "confirm": confirm or password}
            return browser.post(link, data=data)

        short = submit("short")
        assert short.status_code == 422
        assert "The password must have at least 12 characters." in short.text
        named = submit("my supervisor password")
        assert "The password must not contain your username." in named.text
        mismatch = submit(NEW_PASSWORD, NEW_PASSWORD + "!")
        assert "The two passwords are not the same." in mismatch.text
        # a cross-site post carries no cookie
        with httpx.Client() as other_site:
            data = {"csrf": csrf, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
            assert other_site.post(link, data=data).status_code == 403
        data = {"csrf": "not-the-cookie", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        forged = browser.post(link, data=data)
        assert forged.status_code == 403
        assert "This form has expired" in forged.text
        csrf = csrf_of(forged)  # the page renders a fresh form (and cookie)
        done = submit(NEW_PASSWORD)
        assert done.status_code == 200, done.text
        assert "You can now sign in as <strong>supervisor</strong>." in done.text
        again = browser.get(link)
        assert again.status_code == 410
        assert "This link was already used or has expired." in again.text
        replay = browser.post(link, data={"csrf": csrf, "password": "x" * 20, "confirm": "x" * 20})
        assert "This link was already used or has expired." in replay.text
    assert login(srv, "supervisor", NEW_PASSWORD)
    with client_for(srv) as anon:
        r = anon.post("/auth/login", json={"username": "supervisor", "password": "x" * 20})
        assert_problem(r, 401)


def test_a_refused_recipient_fails_at_once_with_the_smtp_answer(
    make_server: Callable[..., ServerThread], smtp_on: Callable[[int], Inbox]
) -> None:
    port = free_port()
    inbox = smtp_on(port)
    inbox.refuse_with = "550 5.1.1 No such mailbox"
    srv = make_server(smtp_url=f"smtp://127.0.0.1:{port}", outbox_backoff=FAST)
    with client_for(srv, token_for(srv, "admin")) as admin:
        recycle_with_welcome(admin, 2, "nobody@example.com")
        failed = until(
            lambda: [e for e in welcome_entries(admin, 2) if e["after"]["state"] == "failed"],
            "the failed entry",
        )
    assert failed[0]["after"]["error"] == "SMTP 550 5.1.1 No such mailbox"
    [row] = sql_rows(srv, select(outbox))
    assert (row["state"], row["attempts"], row["link"]) == ("failed", 1, None)


def test_an_email_is_given_up_after_its_time(
    make_server: Callable[..., ServerThread],
) -> None:
    srv = make_server(
        smtp_url=f"smtp://127.0.0.1:{free_port()}",
        outbox_backoff=Backoff(first=0.05, factor=2.0, cap=0.1, give_up=0.3),
    )
    with client_for(srv, token_for(srv, "admin")) as admin:
        recycle_with_welcome(admin, 2, "grace@example.com")
        failed = until(
            lambda: [e for e in welcome_entries(admin, 2) if e["after"]["state"] == "failed"],
            "the email to be given up",
        )
    assert "cannot reach the SMTP server" in failed[0]["after"]["error"]
    [row] = sql_rows(srv, select(outbox))
    assert row["state"] == "failed"
    assert row["attempts"] >= 2
