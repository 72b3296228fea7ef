"""The seeded users' passwords and how many agents the seeded test servers hold."""

from __future__ import annotations

ADMIN_PW = "admin-pw"
SUPER_PW = "super-pw"
PASSWORDS = {"admin": ADMIN_PW, "supervisor": SUPER_PW}

SEED_USERS = 40  # agents of `server` (the backend suite's)
SMALL_SEED_USERS = 30  # agents of `small_server` (the console's tests: 32 users in all)
