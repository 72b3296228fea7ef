"""Seats and users as the seeds describe them (issue 14), through the installed console:
back to Available, edit a user, and a recycle that hands a Busy seat over, with the welcome
email delivered to a real SMTP server and its link setting the new holder's password."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.e2e.e2e_driver import Backend, Console, wait_for
from tests.e2e.e2e_floor import ADMIN_PW, HOLDER_PW, Floor
from tests.e2e.test_e2e import MAIN, panel_full, sign_in, signed_in_console

NEW_PASSWORD = "a seat of my own, at last"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


SMTP_PORT = _free_port()  # where the marked test's backend sends its mail


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        self.messages.append(email.message_from_bytes(raw))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A real SMTP server on loopback, where `contact-center serve --smtp-url` sends."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield handler
    controller.stop()


def find_and_select(console: Console, name: str) -> None:
    console.key("ctrl+f")
    console.wait_focus("search")
    console.type(name)
    console.wait_main(lambda w: w["rows_shown"] == 1, f"the search for {name}")
    console.key("Return")
    console.wait_main(lambda w: w["current_user"] == name, f"{name} to be current")


def user(backend: Backend, uid: int) -> dict[str, Any]:
    return dict(backend.get(f"/users/{uid}", backend.token("admin")))


def test_back_to_available_from_a_break(console: Console, backend: Backend, floor: Floor) -> None:
    signed_in_console(console, backend)
    name = floor.agent_names[floor.break_id]
    find_and_select(console, name)
    console.key("s")
    console.wait_window("Set status")
    console.focus_window("Set status")
    console.key("alt+a", "alt+s")  # Available, then Set status
    wait_for(lambda: user(backend, floor.break_id)["status"] == "available", "Available")
    console.wait_main(lambda w: w["status_message"] == f"{name} is now Available.", "the message")


def test_edit_a_users_last_name(console: Console, backend: Backend, floor: Floor) -> None:
    signed_in_console(console, backend)
    uid = next(i for i in floor.agent_names if i not in (floor.busy_id, floor.break_id))
    name = floor.agent_names[uid]
    find_and_select(console, name)
    console.key("e")
    console.wait_window("Edit user")
    console.focus_window("Edit user")
    console.wait_focus("edit_first_name")
    console.key("Tab")
    console.wait_focus("edit_last_name")
    console.key("ctrl+a")
    console.type("Hopper-Khan")
    console.key("Return")  # Save
    wait_for(lambda: user(backend, uid)["last_name"] == "Hopper-Khan", "the edit on the server")
    first = name.split(" ")[0]
    console.wait_main(
        lambda w: w["status_message"] == f"{first} Hopper-Khan: changes saved.", "the message"
    )


@pytest.mark.serve_options("--smtp-url", f"smtp://127.0.0.1:{SMTP_PORT}")
def test_recycle_a_busy_seat_for_a_new_hire(
    console: Console, backend: Backend, floor: Floor, inbox: Inbox
) -> None:
    uid = floor.busy_id
    # The old holder is signed in through the API, on a call.
    old = httpx.post(
        f"{backend.url}/api/v1/auth/login",
        json={"username": user(backend, uid)["username"], "password": HOLDER_PW},
        timeout=10,
    )
    assert old.status_code == 200, old.text
    old_token = old.json()["token"]
    assert user(backend, uid)["status"] == "busy"

    console.start("--server", backend.url)
    sign_in(console, backend, "admin", ADMIN_PW)
    console.focus_window(MAIN)
    find_and_select(console, floor.agent_names[uid])
    console.key("ctrl+shift+r")
    console.wait_window("Reset and recycle")
    console.focus_window("Reset and recycle")
    console.key("alt+u", "alt+n")  # Recycle User, Next
    console.wait_focus("recycle_first_name")
    details = console.wait_window(
        "Reset and recycle", lambda w: "Send welcome email" in w["buttons"], what="details"
    )
    assert "Keep skills, tags and desks" in details["buttons"]
    console.type("Grace")
    console.key("Tab")
    console.type("Hopper")
    console.key("Tab")
    console.type("grace.hopper@example.com")
    console.key("alt+n")  # the review
    review = console.wait_window(
        "Reset and recycle", lambda w: "Reset" in w["buttons"], what="the review"
    )
    text = "\n".join(review["labels"])
    assert "signed out of every session; their tokens stop working" in text
    assert "The live call with +15550001234 ends" in text
    console.key("alt+r")  # Reset
    wait_for(lambda: user(backend, uid)["first_name"] == "Grace", "the recycle on the server")

    seat = user(backend, uid)
    assert (seat["status"], seat["live_call"], seat["session_count"]) == ("offline", None, 0)
    me = httpx.get(
        f"{backend.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {old_token}"}
    )
    assert me.status_code == 401  # the old holder's token stopped working

    wait_for(lambda: inbox.messages, "the welcome email at the SMTP server", timeout=20)
    [message] = inbox.messages
    assert message["To"] == "grace.hopper@example.com"
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    link = re.search(re.escape(backend.url) + r"/welcome/[A-Za-z0-9_-]+", body)
    assert link, body
    with httpx.Client(timeout=10) as browser:
        form = browser.get(link.group(0))
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf, form.text
        data = {"csrf": csrf.group(1), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        done = browser.post(link.group(0), data=data)
        assert done.status_code == 200, done.text
    signed_in = httpx.post(
        f"{backend.url}/api/v1/auth/login",
        json={"username": seat["username"], "password": NEW_PASSWORD},
        timeout=10,
    )
    assert signed_in.status_code == 200, signed_in.text  # the new holder signs in
    console.wait_main(lambda w: panel_full(w), "the panel still live")
