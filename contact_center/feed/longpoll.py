"""The long poll behind GET /changes.

It answers at once when the journal has entries after `since` (users' changes, or a
settings change: no users, a new `settings_version`); otherwise it waits for a
commit (up to `wait` seconds), holds `coalesce` seconds so that the commits of the next few
ms go out in the same answer, and reads again. Consoles at the same cursor share one read
(`answers.py`); a poll takes its wake-up event *before* reading, so it never sleeps through
a commit (`notifier.py`).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from contact_center.feed.answers import FeedAnswers
from contact_center.feed.notifier import ChangeNotifier
from contact_center.storage.clock import iso, now
from contact_center.storage.journal import changes_since, settings_version
from contact_center.storage.store import Store


async def changes_after(
    store: Store,
    notifier: ChangeNotifier,
    answers: FeedAnswers,
    since: int,
    wait: float,
    coalesce: float,
) -> str:
    """The JSON text of the answer for a poll at `since`; raises `CursorGoneError`."""
    deadline = time.monotonic() + wait
    while True:
        event, generation = notifier.current(), notifier.generation
        answer = await answers.get(since, generation, lambda s: read_changes(store, s))
        if isinstance(answer, str):  # non-empty, shared by the consoles at this cursor
            return answer
        left = deadline - time.monotonic()
        if left <= 0:
            # An empty answer may be shared: its server time is this poll's own.
            return json.dumps({**answer, "server_time": iso(now())}, separators=(",", ":"))
        try:
            with notifier.waiter():
                await asyncio.wait_for(event.wait(), timeout=left)
        except TimeoutError:
            continue
        # Woken by a commit: hold a moment, so that the commits of the next few ms go out in
        # this answer and the consoles waiting here wake together and share one read.
        hold = min(coalesce, deadline - time.monotonic())
        if hold > 0:
            await asyncio.sleep(hold)


def read_changes(store: Store, since: int) -> dict[str, Any]:
    """One read of the journal after `since` (in a worker thread); raises `CursorGoneError`."""
    with store.read() as conn:
        rows, deleted, cursor = changes_since(conn, since)
        version = settings_version(conn)  # after the journal: never older than its cursor
    return {
        "users": rows,
        "deleted": deleted,
        "cursor": cursor,
        "settings_version": version,
        "server_time": iso(now()),
    }
