"""The outbox: emails written in the transaction that decides them, sent by a worker.

A recycle that sends a welcome email writes the email (and its one-time link, welcome.py)
in its own transaction; `OutboxWorker` sends it over SMTP afterwards and retries with an
exponential backoff (5 s doubling to 15 min, given up after 24 h) while the SMTP server is
down or answers 4xx; a 5xx refusal (the address, the sender) fails it at once. Each state
(queued, a new error while retrying, sent, failed with the SMTP answer) is an audit entry
about the user, action "welcome-email", never with the link. docs/rules.md, "Welcome email".

Several instances may run workers on one database: a worker claims an email by moving its
next attempt past a lease before sending, outside any transaction, so an SMTP server that
is slow never holds a database lock; an instance that dies mid-send leaves the email to be
retried when the lease ends (delivered at least once).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, func, select, update

from contact_center.domain.audit import write_audit
from contact_center.domain.users import display_name
from contact_center.storage.clock import now
from contact_center.storage.store import Store
from contact_center.storage.tables import outbox, users

log = logging.getLogger(__name__)
ACTOR = "outbox"
AUDIT_ACTION = "welcome-email"
NO_SMTP = "no SMTP server configured"
LEASE = 120.0  # seconds a claimed email waits before another worker may try it
SMTP_TIMEOUT = 20.0
SCHEMES = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}


@dataclass(frozen=True, slots=True)
class Backoff:
    """Wait `first` seconds after the first failure, times `factor` after each next one, at
    most `cap`; give up (state failed) once the email is `give_up` seconds old."""

    first: float = 5.0
    factor: float = 2.0
    cap: float = 15 * 60.0
    give_up: float = 24 * 3600.0

    def delay(self, attempts: int) -> float:
        return float(min(self.cap, self.first * self.factor ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class MailSettings:
    """`serve --smtp-url/--smtp-from/--public-url` (user and password from CC_SMTP_USER and
    CC_SMTP_PASSWORD). Without `smtp_url` emails stay queued and `contact-center outbox`
    lists them; the recycle's answer then carries the welcome link."""

    public_url: str
    smtp_url: str | None = None
    sender: str = "supervisor-console@localhost"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    backoff: Backoff = Backoff()

    def __post_init__(self) -> None:
        if self.smtp_url is not None:
            parts = urlsplit(self.smtp_url)
            if parts.scheme not in SCHEMES or not parts.hostname:
                raise ValueError(
                    f"{self.smtp_url!r}: the SMTP URL is smtp://HOST:PORT, smtps://HOST:PORT "
                    "or smtp+starttls://HOST:PORT"
                )

    @property
    def configured(self) -> bool:
        return self.smtp_url is not None

    def link(self, path: str) -> str:
        return self.public_url.rstrip("/") + path


# What a backend started without mail settings (e.g. a test's own app) uses.
DEFAULT_MAIL = MailSettings(public_url="http://127.0.0.1:8765")


def queue(
    conn: Connection,
    mail: MailSettings,
    *,
    kind: str,
    user_id: int,
    user_name: str,
    to: str,
    subject: str,
    body: str,
    link: str | None,
) -> int:
    """Write an email to send (in `conn`'s transaction) and its "queued" audit entry."""
    t = now()
    reason = None if mail.configured else NO_SMTP
    key = conn.execute(
        outbox.insert().values(
            kind=kind, user_id=user_id, to_addr=to, subject=subject, body=body, link=link,
            state="queued", attempts=0, next_attempt_at=t, last_error=reason, created_at=t,
        )
    ).inserted_primary_key  # fmt: skip
    assert key is not None
    email_id = int(key[0])
    after: dict[str, Any] = {"state": "queued", "to": to, "email_id": email_id}
    if reason:
        after["reason"] = reason
    _audit(conn, user_id, user_name, after)
    return email_id


def supersede(conn: Connection, user_id: int, kind: str, why: str) -> int:
    """Queued emails of `kind` to this user will not be sent (a newer one replaces them)."""
    return int(
        conn.execute(
            update(outbox)
            .where(outbox.c.user_id == user_id, outbox.c.kind == kind, outbox.c.state == "queued")
            .values(state="failed", last_error=why, link=None)
        ).rowcount
    )


def _audit(conn: Connection, user_id: int | None, name: str | None, after: dict[str, Any]) -> None:
    write_audit(
        conn, actor=ACTOR, action=AUDIT_ACTION, target_id=user_id, target_name=name,
        before=None, after=after,
    )  # fmt: skip


def pending(conn: Connection, limit: int = 1000) -> list[dict[str, Any]]:
    """Emails newest first, for `contact-center outbox`."""
    query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


class SendError(Exception):
    def __init__(self, answer: str, permanent: bool) -> None:
        super().__init__(answer)
        self.answer = answer
        self.permanent = permanent


def deliver(mail: MailSettings, message: EmailMessage) -> None:
    """Send one message over SMTP; SendError with the server's answer."""
    assert mail.smtp_url is not None
    parts = urlsplit(mail.smtp_url)
    host, port = parts.hostname or "", parts.port or SCHEMES[parts.scheme]
    try:
        client: smtplib.SMTP
        if parts.scheme == "smtps":
            client = smtplib.SMTP_SSL(
                host, port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with client:
            if parts.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
            if mail.user:
                client.login(mail.user, mail.password or "")
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise SendError(_answer(code, text), code >= 500) from None
    except smtplib.SMTPResponseException as exc:
        # A refused sender or message (5xx) will be refused again; 4xx and login trouble
        # (a configuration being fixed) are retried.
        permanent = exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPAuthenticationError)
        raise SendError(_answer(exc.smtp_code, exc.smtp_error), permanent) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"cannot reach the SMTP server {host}:{port}: {exc}", False) from None


def _answer(code: int, text: bytes | str) -> str:
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"SMTP {code} {raw}".strip()[:400]


def _message(mail: MailSettings, row: Any) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    msg.set_content(row.body)
    return msg


class OutboxWorker:
    """Sends due emails on a background thread; idle (never started) without SMTP."""

    def __init__(self, store: Store, mail: MailSettings) -> None:
        self.store = store
        self.mail = mail
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)

    def start(self) -> None:
        if self.mail.configured:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=SMTP_TIMEOUT + 5)

    def submit(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent_one = self.send_next()
            except Exception:  # the worker must outlive a database hiccup
                log.exception("outbox: sending failed unexpectedly")
                sent_one = False
            if sent_one:
                continue
            self._wake.wait(self._idle_wait())
            self._wake.clear()

    def _idle_wait(self) -> float:
        """Until the next email is due; at most 5 s (another instance may queue one)."""
        try:
            with self.store.read() as conn:
                due = conn.execute(
                    select(func.min(outbox.c.next_attempt_at)).where(outbox.c.state == "queued")
                ).scalar()
        except Exception:  # noqa: BLE001 - retried at the next wait
            return 5.0
        return 5.0 if due is None else min(5.0, max(0.02, float(due) - now()))

    def send_next(self) -> bool:
        """Claim and send one due email; False when none is due."""
        t = now()
        with self.store.write() as conn:
            row = conn.execute(
                select(outbox)
                .where(outbox.c.state == "queued", outbox.c.next_attempt_at <= t)
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(1)
            ).first()
            if row is None:
                return False
            claimed = conn.execute(
                update(outbox)
                .where(
                    outbox.c.id == row.id,
                    outbox.c.state == "queued",
                    outbox.c.next_attempt_at == row.next_attempt_at,
                )
                .values(next_attempt_at=t + LEASE)
            ).rowcount
        if not claimed:
            return True  # another worker took it: look for the next one
        try:
            deliver(self.mail, _message(self.mail, row))
        except SendError as exc:
            self._failed(row, exc)
        else:
            self._sent(row)
        return True

    def _sent(self, row: Any) -> None:
        body = row.body.replace(row.link, "[the link was sent]") if row.link else row.body
        with self.store.write() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == row.id)
                .values(
                    state="sent", sent_at=now(), attempts=row.attempts + 1, last_error=None,
                    link=None, body=body,
                )
            )  # fmt: skip
            after = {"state": "sent", "to": row.to_addr, "email_id": row.id}
            _audit(
                conn,
                row.user_id,
                _target(conn, row.user_id),
                {**after, "attempts": row.attempts + 1},
            )

    def _failed(self, row: Any, exc: SendError) -> None:
        attempts = row.attempts + 1
        t = now()
        expired = t - row.created_at >= self.mail.backoff.give_up
        state = "failed" if exc.permanent or expired else "queued"
        values: dict[str, Any] = {"attempts": attempts, "last_error": exc.answer, "state": state}
        after: dict[str, Any] = {
            "state": state, "to": row.to_addr, "email_id": row.id, "attempts": attempts,
            "error": exc.answer,
        }  # fmt: skip
        if state == "queued":
            delay = self.mail.backoff.delay(attempts)
            values["next_attempt_at"] = t + delay
            after["retry_in_seconds"] = round(delay, 3)
        else:
            values["link"] = None
        with self.store.write() as conn:
            conn.execute(update(outbox).where(outbox.c.id == row.id).values(**values))
            # Each new answer is recorded, not every retry of the same one (up to ~100 a day).
            if state == "failed" or exc.answer != row.last_error:
                _audit(conn, row.user_id, _target(conn, row.user_id), after)


def _target(conn: Connection, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    found = conn.execute(select(users).where(users.c.id == user_id)).first()
    return None if found is None else display_name(dict(found._mapping))
