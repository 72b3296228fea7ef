"""An alert: a row that reached its alert limit (issue 15), and how a group of them is
said in one notification. No Qt."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from supervisor_console.panel.limits import KIND_LABELS


@dataclass
class Alert:
    user_id: int
    name: str
    kind: str
    text: str
    at: datetime
    acknowledged: bool = False


def summary(alerts: list[Alert]) -> str:
    """ "3 agents over the Break limit; 1 over the call limit"."""
    by_kind = Counter(a.kind for a in alerts)
    parts = []
    for kind, count in by_kind.most_common():
        label = (
            KIND_LABELS[kind].removeprefix("A ").lower()
            if kind in ("call", "stuck")
            else KIND_LABELS[kind]
        )
        who = alerts[0].name if count == 1 and len(alerts) == 1 else f"{count} agents"
        parts.append(f"{who} over the {label} limit")
    return "; ".join(parts)
