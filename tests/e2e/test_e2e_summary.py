"""The summary bar (issue 15) in the installed console: the counts the supervisor sees, and
Alt+2 (Busy) filtering the panel to the Busy agents, Alt+2 again showing everyone."""

from __future__ import annotations

from typing import Any

from tests.e2e.e2e_driver import Backend, Console
from tests.e2e.e2e_floor import AGENTS, Floor
from tests.e2e.test_e2e import signed_in_console

BUSY_KEY = "alt+2"


def summary(window: dict[str, Any]) -> dict[str, int]:
    return {str(k): int(v) for k, v in dict(window.get("summary") or {}).items()}


def test_summary_counts_and_the_busy_key(console: Console, backend: Backend, floor: Floor) -> None:
    main = signed_in_console(console, backend)
    total = AGENTS + 2  # the agents, admin and supervisor
    # The floor as prepared: one Busy on a call, one on Break, one stuck (Unavailable).
    main = console.wait_main(
        lambda w: sum(summary(w).get(k, 0) for k in ("Available", "Busy", "Unavailable",
            "Break", "Do Not Disturb", "Meeting", "Other", "Offline")) == total,
        "the summary to count the whole panel",
    )  # fmt: skip
    counts = summary(main)
    assert main["summary_scope"] == "shown"
    assert counts["Busy"] == 1
    assert counts["Break"] == 1
    assert counts["Unavailable"] == 1
    assert counts["Stuck"] >= 1
    assert main["rows_shown"] == total

    console.key(BUSY_KEY)
    main = console.wait_main(lambda w: w["rows_shown"] == counts["Busy"], "the Busy filter")
    assert summary(main)["Busy"] == main["rows_shown"] == 1
    assert summary(main)["Available"] == 0  # shown by the filters: only Busy now
    assert main["rows_total"] == total

    console.key(BUSY_KEY)  # again: every status
    main = console.wait_main(lambda w: w["rows_shown"] == total, "the filter to clear")
    assert summary(main)["Busy"] == 1
    assert summary(main)["Available"] == counts["Available"]
