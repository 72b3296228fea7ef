"""The audit trail as a person reads it: who did what, when, and only what changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from supervisor_console.api.types import Status

ACTION_LABELS = {
    "reset-dialer": "Reset dialer status",
    "logout": "Force logout",
    "set-status": "Set status",
    "deactivate": "Deactivate",
    "activate": "Activate",
    "reset-password": "Reset password",
    "reset-2fa": "Reset 2FA",
    "delete": "Delete user",
    "reset": "Reset and recycle",
    "set-role": "Change role",
}
_FIELD_LABELS = {"status_text": "status text", "two_factor": "2FA", "must_change_password": ""}


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    return action.replace("-", " ").capitalize()  # add-skills -> Add skills


def _value(name: str, value: Any) -> str:
    if name == "status" and value in set(Status):
        return Status(value).label
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return "—" if value in (None, "") else str(value)


def changes(before: Any, after: Any) -> tuple[str, str]:
    """(before, after) texts listing only the fields that changed."""
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    names = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    names = [k for k in names if _FIELD_LABELS.get(k, k)]  # hidden fields stay hidden

    def side(values: dict[str, Any]) -> str:
        return "; ".join(f"{_FIELD_LABELS.get(k, k)}: {_value(k, values.get(k))}" for k in names)

    return side(old), ("deleted" if after is None and before is not None else side(new))


def when_text(at: Any) -> str:
    """Local time of an ISO timestamp, with the date when it is not today."""
    try:
        moment = datetime.fromisoformat(str(at)).astimezone()
    except ValueError:
        return str(at)
    if moment.date() == datetime.now().astimezone().date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M")


def readable_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """An audit entry with its fields rewritten for the detail pane's Activity list."""
    before, after = changes(entry.get("before"), entry.get("after"))
    via = f" (bulk job {entry['job_id']})" if entry.get("job_id") else ""
    return {
        **entry,
        "at": when_text(entry.get("at")),
        "action": action_label(str(entry.get("action", ""))) + via,
        "before": before,
        "after": after,
    }
