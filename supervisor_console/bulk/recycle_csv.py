"""Recycle in bulk (seed 003, "Reset Multiple Users"): the new holders' details from a CSV
file of user, first name, last name, email. No Qt.

The user is a username or a user id. A header row is optional (`user,first_name,last_name,
email`, in any order); without one the columns are in that order. The email may be empty:
that seat gets no welcome email.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from supervisor_console.actions.params import EMAIL_RE

COLUMNS = ("user", "first_name", "last_name", "email")
MAX_PROBLEMS = 10


@dataclass(frozen=True, slots=True)
class RecycleSheet:
    """What a CSV file gave: details by user id (as the API wants them), and its problems."""

    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_recycle_csv(
    text: str,
    lookup: Callable[[str], int | None],
    *,
    send_welcome: bool = True,
    keep_assignments: bool = False,
) -> RecycleSheet:
    """The sheet in `text`; `lookup` turns a username or an id into a user id (None: none)."""
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        return RecycleSheet(problems=["The file has no rows."])
    order = list(COLUMNS)
    header = [cell.strip().casefold().replace(" ", "_") for cell in rows[0]]
    first_line = 1
    if "user" in header or "first_name" in header:
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            return RecycleSheet(problems=[f"The header lacks {', '.join(missing)}."])
        order = header
        rows, first_line = rows[1:], 2
    details: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for number, row in enumerate(rows, start=first_line):
        cells = dict(zip(order, (cell.strip() for cell in row), strict=False))
        who, first, last = (
            cells.get("user", ""),
            cells.get("first_name", ""),
            cells.get("last_name", ""),
        )
        email = cells.get("email", "")
        uid = lookup(who) if who else None
        if uid is None:
            problems.append(f"Line {number}: there is no user {who or '(empty)'}.")
        elif str(uid) in details:
            problems.append(f"Line {number}: {who} is listed twice.")
        elif not first or not last:
            problems.append(f"Line {number}: enter the new user's first and last name.")
        elif email and not EMAIL_RE.match(email):
            problems.append(f"Line {number}: {email} is not a valid email address.")
        else:
            details[str(uid)] = {
                "first_name": first,
                "last_name": last,
                "email": email or None,
                "send_welcome_email": send_welcome and bool(email),
                "keep_assignments": keep_assignments,
            }
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], f"… and {len(problems) - MAX_PROBLEMS} more."]
    return RecycleSheet(details, problems)
