"""The welcome link: a recycled seat's new holder sets their password (docs/rules.md,
"Welcome email").

The recycle writes a one-time token (only its sha-256 is stored, valid 72 h) and the email
carrying `PUBLIC_URL/welcome/TOKEN` into the outbox, in its own transaction. The page
(api/routes/welcome.py) checks the password policy and spends the token in the transaction
that sets the password: a second use finds it spent.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from contact_center.domain import outbox
from contact_center.domain.audit import write_audit
from contact_center.domain.outbox import MailSettings
from contact_center.domain.passwords import common_passwords
from contact_center.storage.clock import now
from contact_center.storage.tables import users, welcome_tokens

LINK_LIFETIME = 72 * 3600.0
MIN_LENGTH = 12
MAX_LENGTH = 256
KIND = "welcome"
SPENT = "This link was already used or has expired."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def queue_welcome(
    conn: Connection, mail: MailSettings, user_id: int, username: str, name: str, email: str
) -> str:
    """A new one-time link for the user (older links and unsent emails are void) and the
    email that carries it, in `conn`'s transaction; returns the link."""
    conn.execute(delete(welcome_tokens).where(welcome_tokens.c.user_id == user_id))
    outbox.supersede(conn, user_id, KIND, "superseded by a newer welcome email")
    token = secrets.token_urlsafe(32)
    t = now()
    conn.execute(
        welcome_tokens.insert().values(
            token_hash=_hash(token), user_id=user_id, created_at=t,
            expires_at=t + LINK_LIFETIME, used_at=None,
        )
    )  # fmt: skip
    link = mail.link(f"/welcome/{token}")
    body = (
        f"Hello {name},\n\n"
        f"An account has been set up for you.\n\n"
        f"Your username: {username}\n\n"
        f"Set your password here (the link works once, for 72 hours):\n{link}\n\n"
        "Then sign in with your username and that password.\n"
        "If you did not expect this email, you can ignore it.\n"
    )
    outbox.queue(
        conn, mail, kind=KIND, user_id=user_id, user_name=name, to=email,
        subject="Your new account: set your password", body=body, link=link,
    )  # fmt: skip
    return link


@dataclass(frozen=True, slots=True)
class Holder:
    user_id: int
    username: str


def holder_of(conn: Connection, token: str) -> Holder | None:
    """The user a live (unused, unexpired) link is for; None otherwise."""
    found = conn.execute(
        select(users.c.id, users.c.username)
        .select_from(welcome_tokens.join(users, users.c.id == welcome_tokens.c.user_id))
        .where(
            welcome_tokens.c.token_hash == _hash(token),
            welcome_tokens.c.used_at.is_(None),
            welcome_tokens.c.expires_at > now(),
        )
    ).first()
    return None if found is None else Holder(found.id, found.username)


def password_problems(password: str, confirm: str, username: str) -> list[str]:
    """What is wrong with a new password (empty: it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"The password must have at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"The password must have at most {MAX_LENGTH} characters.")
    if username and username.casefold() in password.casefold():
        problems.append("The password must not contain your username.")
    if password.lower() in common_passwords():
        problems.append("This password is one of the most commonly used passwords; choose another.")
    if password != confirm:
        problems.append("The two passwords are not the same.")
    return problems


def set_password(conn: Connection, token: str, password_hash: str) -> Holder | None:
    """Spend the link and set the password (hashed beforehand: scrypt takes a while, the
    transaction need not), in `conn`'s transaction; None if the link is spent, expired or
    unknown (nothing changed)."""
    holder = holder_of(conn, token)
    if holder is None:
        return None
    spent = conn.execute(
        update(welcome_tokens)
        .where(welcome_tokens.c.token_hash == _hash(token), welcome_tokens.c.used_at.is_(None))
        .values(used_at=now())
    ).rowcount
    if spent != 1:
        return None  # spent by a concurrent request
    conn.execute(
        update(users)
        .where(users.c.id == holder.user_id)
        .values(password_hash=password_hash, must_change_password=False)
    )
    conn.execute(
        delete(welcome_tokens).where(
            welcome_tokens.c.user_id == holder.user_id, welcome_tokens.c.used_at.is_(None)
        )
    )
    write_audit(
        conn, actor=holder.username, action="welcome-password", target_id=holder.user_id,
        target_name=holder.username, before=None,
        after={"password": "set through the welcome link"},
    )  # fmt: skip
    return holder
