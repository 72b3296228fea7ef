"""Reset and recycle a seat for a new hire: options, review, then reset (docs/console-notes.md,
3.3)."""

from __future__ import annotations

from typing import Any

from supervisor_console.actions.base import (
    ApiCall,
    Confirmation,
    DialogKind,
    UserAction,
    plural,
    precondition,
    who,
)
from supervisor_console.actions.params import ResetOptions
from supervisor_console.api.types import UserRow

CAUTION = "Use caution. These actions are not reversible."

# The summary keys the backend reports, as a person reads them.
_SUMMARY_WORDS = {
    "voicemails_deleted": "voicemail message",
    "greetings_deleted": "greeting",
    "answering_rules_deleted": "answering rule",
    "contacts_deleted": "custom contact",
    "numbers_unassigned": "phone number",
    "lines_removed": "line",
    "soft_phones_removed": "soft or mobile phone",
}


def review_lines(row: UserRow, options: ResetOptions) -> list[str]:
    """What will happen, one line each, for the review step."""
    lines = [o.review for o in options.chosen() if o.name != "recycle"]
    recycle = options.recycle
    if recycle is None:
        lines.append(f"Clear the name and email of {row.name}.")
        return lines
    new_name = f"{recycle.first_name.strip()} {recycle.last_name.strip()}"
    email = recycle.email.strip()
    if not email:
        welcome = "no email, so no welcome email"
    elif recycle.sends_welcome:
        welcome = "send a welcome email with a link to set a password"
    else:
        welcome = "send no welcome email"
    lines.append(f"Recycle the seat as {new_name}{f' <{email}>' if email else ''}; {welcome}.")
    lines.extend(handover_lines(row, recycle.keep_assignments))
    return lines


def handover_lines(row: UserRow, keep_assignments: bool) -> list[str]:
    """What the old holder loses when the seat is handed over (seed 003)."""
    lines = [f"{row.name} is signed out of every session; their tokens stop working."]
    if row.live_call is not None:
        lines.append(
            f"The live call with {row.live_call.peer} ends (its log and recording are kept)."
        )
    lines.append(
        "The password, two-factor authentication and backup codes are cleared: nobody can "
        "sign in until the new user sets a password (welcome link) or an admin resets it."
    )
    if keep_assignments:
        lines.append("Skills, tags and desks are kept for the new user.")
    else:
        lines.append("Skills, tags and desks are cleared.")
    return lines


def summary_text(summary: dict[str, Any]) -> str:
    parts: list[str] = []
    for key, word in _SUMMARY_WORDS.items():
        count = summary.get(key)
        if isinstance(count, int):
            parts.append(f"{plural(count, word)} {_verb(key)}")
    if summary.get("default_rule_restored"):
        parts.append("default answering rule restored")
    welcome = summary.get("welcome_email")
    if welcome == "queued":
        parts.append("welcome email queued")
    link = summary.get("welcome_link")
    if isinstance(link, str) and link:  # no SMTP server configured (the demo): say it here
        parts.append(f"no mail server: give the new user this link to set a password: {link}")
    return ", ".join(parts)


def _verb(key: str) -> str:
    return key.rsplit("_", 1)[1]  # deleted / unassigned / removed


class ResetRecycleAction(UserAction[ResetOptions]):
    key = "reset"
    label = "Reset and recycle…"
    short_label = "Recycle…"
    shortcut = "Ctrl+Shift+R"
    admin_only = True
    verb = "reset and recycle users"
    dialog = DialogKind.RECYCLE
    group = "admin"

    def confirmation(self, row: UserRow, params: ResetOptions) -> Confirmation:
        question = f"Reset {who(row)}? {CAUTION}"
        return Confirmation(
            "Reset and recycle", question, tuple(review_lines(row, params)), "Reset"
        )

    def call(self, row: UserRow, params: ResetOptions) -> ApiCall:
        body = {"expected_status": row.status.value, **params.body()}
        return ApiCall("POST", f"/users/{row.id}/reset", body, headers=precondition(row))

    def done_message(self, row: UserRow, answer: dict[str, Any]) -> str:
        summary = answer.get("summary")
        done = summary_text(summary) if isinstance(summary, dict) else ""
        recycled = isinstance(summary, dict) and summary.get("recycled_as")
        head = f"{row.name} was reset and recycled" if recycled else f"{row.name} was reset"
        return f"{head}: {done}." if done else f"{head}."
