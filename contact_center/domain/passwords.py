"""The rules a new password must meet (docs/rules.md, "Changing one's password")."""

from __future__ import annotations

import functools
from importlib import resources

MIN_LENGTH = 12

TOO_SHORT = f"The new password must be at least {MIN_LENGTH} characters long."
HAS_USERNAME = "The new password must not contain your username."
COMMON = "This password is one of the most commonly used passwords; choose another."
UNCHANGED = "The new password must be different from the current one."


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list (contact_center/data/common-passwords.txt), lowercased."""
    text = (resources.files("contact_center") / "data" / "common-passwords.txt").read_text(
        encoding="utf-8"
    )
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def policy_problem(new: str, username: str, current: str) -> tuple[str, str] | None:
    """(reason, detail) of the first rule `new` breaks, or None; checked in this order."""
    if len(new) < MIN_LENGTH:
        return "password_too_short", TOO_SHORT
    if username and username.lower() in new.lower():
        return "password_contains_username", HAS_USERNAME
    if new.lower() in common_passwords():
        return "password_too_common", COMMON
    if new == current:
        return "password_unchanged", UNCHANGED
    return None
