"""Failed sign-ins, counted per username and per client address (docs/API.md, "Auth")."""

from __future__ import annotations

from contact_center.domain.auth import LoginLimiter

PER_USERNAME = 5  # failures per username (from any address) within WINDOW
PER_ADDRESS = 20  # failures per client address (for any usernames) within WINDOW
WINDOW = 60.0


class SignInLimits:
    """Two counters, so that neither changing address nor changing username gets more
    guesses: a username takes PER_USERNAME failures from all addresses together (compared
    case-insensitively), an address PER_ADDRESS failures over all usernames. The address
    is the peer's, or with a trusted proxy (`serve --forwarded-allow-ips`) the one it
    forwards; a client cannot choose it with X-Forwarded-For."""

    def __init__(
        self,
        per_username: int = PER_USERNAME,
        per_address: int = PER_ADDRESS,
        window: float = WINDOW,
    ) -> None:
        self._by_username = LoginLimiter(per_username, window)
        self._by_address = LoginLimiter(per_address, window)

    def retry_after(self, username: str, address: str) -> float:
        """Seconds before this username may try again from this address (0: now)."""
        return max(
            self._by_username.retry_after(_username_key(username)),
            self._by_address.retry_after(address),
        )

    def failed(self, username: str, address: str) -> None:
        self._by_username.failed(_username_key(username))
        self._by_address.failed(address)

    def succeeded(self, username: str, address: str) -> None:
        """Clears the username's failures. Not the address's: one account's password must not
        buy an address more guesses at the others."""
        self._by_username.succeeded(_username_key(username))


def _username_key(username: str) -> str:
    return username.casefold()
