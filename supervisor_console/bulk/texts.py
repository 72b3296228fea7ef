"""What the bulk dialog says: scope counts, the preview, confirmations, progress. No Qt."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from supervisor_console.actions.base import plural
from supervisor_console.api.types import JobState, Preview, UserResult
from supervisor_console.bulk.catalogue import DELETE_WORD, BulkAction, Danger
from supervisor_console.bulk.scope import SCOPE_LABELS, ScopeKind

OUTCOME_LABELS = {"done": "Done", "skipped": "Skipped", "failed": "Failed", "pending": "Waiting"}
CSV_COLUMNS = ("user_id", "name", "outcome", "reason")


def users(count: int) -> str:
    return f"{count:,} user" if count == 1 else f"{count:,} users"


def scope_text(kind: ScopeKind, count: int, extra: str = "") -> str:
    return f"{SCOPE_LABELS[kind]} ({users(count)}){extra}"


def preview_lines(preview: Preview, action: BulkAction) -> list[str]:
    """The preview as the supervisor reads it, most important first."""
    lines = [f"{users(preview.will_change)} will be changed ({action.label.lower()})."]
    for reason, count in sorted(preview.skipped.items(), key=lambda item: -item[1]):
        lines.append(f"{count:,} skipped: {reason}")
    if preview.live_calls:
        calls = plural(preview.live_calls, "live call")
        lines.append(f"{calls} will be disconnected (call logs and recordings are kept).")
    if preview.calls_continue:
        calls = plural(preview.calls_continue, "live call")
        lines.append(f"{calls} go on; those agents get no queue calls until Available.")
    return lines


def confirm_word(action: BulkAction, preview: Preview) -> str | None:
    """What the supervisor must type to run it, or None when a click is enough."""
    if not action.needs_typing(preview.live_calls):
        return None
    return DELETE_WORD if action.danger is Danger.WORD else str(preview.will_change)


def confirm_prompt(word: str) -> str:
    return f"Type {word} to confirm:"


def run_label(action: BulkAction, preview: Preview) -> str:
    return f"{action.label}: {users(preview.will_change)}"


def progress_text(state: JobState) -> str:
    counts = f"{state.done:,} done · {state.skipped:,} skipped · {state.failed:,} failed"
    where = {"queued": "Waiting to start", "running": "Running"}.get(state.state, "")
    if state.state == "cancelled":
        where = "Cancelled"
    elif state.finished:
        where = "Finished"
    return f"{where}: {state.processed:,} of {users(state.total)} — {counts}"


def reason_lines(results: Iterable[UserResult]) -> list[str]:
    """Skipped and failed users counted by reason, most frequent first."""
    counts: dict[tuple[str, str], int] = {}
    for r in results:
        if r.outcome in ("skipped", "failed"):
            key = (r.outcome, r.reason or "no reason given")
            counts[key] = counts.get(key, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: (item[0][0] != "failed", -item[1]))
    return [f"{count:,} {outcome}: {reason}" for (outcome, reason), count in ordered]


def results_csv(results: Iterable[UserResult]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in results:
        writer.writerow((r.user_id, r.name, r.outcome, r.reason))
    return out.getvalue()
