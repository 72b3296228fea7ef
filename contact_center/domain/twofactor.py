"""Two-factor sign-in: TOTP (RFC 6238: 6 digits, 30 s, SHA-1, one step either side) and
single-use backup codes (docs/rules.md, "Two-factor authentication").

The TOTP secret is stored as pyotp.random_base32() gives it (the authenticator app needs it
back); backup codes are random, so a plain sha-256 of each is enough to store.
"""

from __future__ import annotations

import binascii
import hashlib
import secrets

import pyotp

ISSUER = "Supervisor Console"
BACKUP_CODES = 10

OTP_REQUIRED = "Enter the 6-digit code from your authenticator app, or a backup code."
OTP_INVALID = (
    "That code is not right. Codes change every 30 seconds; enter the one shown now, "
    "or a backup code."
)


def new_secret() -> str:
    return pyotp.random_base32()


def otpauth_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def totp_ok(secret: str | None, code: str) -> bool:
    """Is `code` the TOTP of `secret` now, or one 30 s step before or after?"""
    code = "".join(code.split())
    if not secret or len(code) != 6 or not code.isdigit():
        return False
    try:
        return pyotp.TOTP(secret).verify(code, valid_window=1)
    except (binascii.Error, ValueError):  # not base32 (e.g. a hand-made secret)
        return False


def new_backup_codes() -> list[str]:
    """Ten codes, `xxxx-xxxx` in lowercase hex (32 random bits each)."""
    codes = []
    for _ in range(BACKUP_CODES):
        raw = secrets.token_hex(4)
        codes.append(f"{raw[:4]}-{raw[4:]}")
    return codes


def backup_hash(code: str) -> str:
    """The stored form of a backup code, whatever its case, spaces or dash."""
    canonical = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(canonical.encode()).hexdigest()


def use_backup_code(stored: list[str] | None, code: str) -> list[str] | None:
    """The stored hashes without `code`'s, or None when `code` is not one of them."""
    if not stored:
        return None
    digest = backup_hash(code)
    if digest not in stored:
        return None
    return [h for h in stored if h != digest]
