"""The change journal: one numbered entry per change to a user, the feed's source.

A change to a user goes through `touch()`, which bumps the row's version at once and
queues a journal entry. Just before the commit, `Store.write()` numbers the queued entries
(`number_pending`) under the feed_state row lock, held until the commit, so commit order
equals cursor order on SQLite and PostgreSQL alike; taking that lock last also means a
transaction never waits for a user row while holding it (no deadlocks between writers on
PostgreSQL). A savepoint rolled back takes its entries with it.

`changes_since` reads the journal from a cursor: what a long poll answers.

A change to the shared settings (the time limits) is a journal entry too, for user id
`SETTINGS_ENTRY` (0, no user's): it moves the cursor and wakes every long poll, on every
instance, like a user's change, and the answer (without users) carries the new
`settings_version`. Read `settings_version` *after* the cursor or the journal: it is then
never older than what the cursor has passed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Engine, event, select, update

from contact_center.storage.clock import now
from contact_center.storage.rows import Row, user_rows
from contact_center.storage.tables import changes, feed_state, settings, users

# conn.info keys of a write transaction: journal entries awaiting a seq, savepoint marks.
_PENDING = "contact_center.feed_pending"
_MARKS = "contact_center.feed_marks"
# The journal's user id for a change to the settings (user ids start at 1).
SETTINGS_ENTRY = 0
THRESHOLDS = "thresholds"  # the settings row whose version is the feed's settings_version


class CursorGoneError(Exception):
    """The cursor is older than the retained feed, or from another database."""


def touch(conn: Connection, user_ids: Iterable[int], actor: str | None) -> None:
    """Record a change to each user: new version, who and when, and a journal entry."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return
    at = now()
    _entries(conn, [(uid, at) for uid in ids])
    values: dict[str, Any] = {"version": users.c.version + 1, "changed_at": at}
    if actor is not None:
        values["changed_by"] = actor
    conn.execute(update(users).where(users.c.id.in_(ids)).values(**values))


def record_deletion(conn: Connection, user_id: int) -> None:
    """A deleted user still needs a journal entry so that consoles drop the row."""
    _entries(conn, [(user_id, now())])


def record_settings_change(conn: Connection) -> None:
    """A change to the settings: a journal entry that wakes the long polls (no user row)."""
    _entries(conn, [(SETTINGS_ENTRY, now())])


def settings_version(conn: Connection) -> int:
    """The version of the time limits (0 while they are the defaults and never set)."""
    found = conn.execute(
        select(settings.c.version).where(settings.c.name == THRESHOLDS)
    ).scalar_one_or_none()
    return 0 if found is None else int(found)


@contextlib.contextmanager
def collecting(conn: Connection) -> Iterator[None]:
    """Within `Store.write()`: queue the transaction's entries for `number_pending`."""
    conn.info[_PENDING] = []
    conn.info[_MARKS] = {}
    try:
        yield
    finally:
        conn.info.pop(_PENDING, None)
        conn.info.pop(_MARKS, None)


def _entries(conn: Connection, entries: list[tuple[int, float]]) -> None:
    """Queue entries for `Store.write()` to number at commit (at once outside it)."""
    pending: list[tuple[int, float]] | None = conn.info.get(_PENDING)
    if pending is not None:
        pending.extend(entries)
        return
    conn.info[_PENDING] = entries
    try:
        number_pending(conn)
    finally:
        conn.info.pop(_PENDING, None)


def number_pending(conn: Connection) -> int | None:
    """Number the queued entries under the feed_state row lock; the last seq, if any."""
    pending: list[tuple[int, float]] = conn.info.get(_PENDING) or []
    if not pending:
        return None
    last = conn.execute(
        update(feed_state)
        .where(feed_state.c.id == 1)
        .values(seq=feed_state.c.seq + len(pending))
        .returning(feed_state.c.seq)
    ).scalar_one()
    first = last - len(pending) + 1
    conn.execute(
        changes.insert(),
        [{"seq": first + i, "user_id": uid, "at": at} for i, (uid, at) in enumerate(pending)],
    )
    pending.clear()
    return int(last)


def track_savepoints(engine: Engine) -> None:
    """A savepoint rolled back (one user of a bulk job failing) takes its entries with it."""
    event.listen(engine, "savepoint", _on_savepoint)
    event.listen(engine, "rollback_savepoint", _on_rollback_savepoint)
    event.listen(engine, "release_savepoint", _on_release_savepoint)


def _on_savepoint(conn: Connection, name: str) -> None:
    if (marks := conn.info.get(_MARKS)) is not None:
        marks[name] = len(conn.info[_PENDING])


def _on_rollback_savepoint(conn: Connection, name: str, context: object) -> None:
    marks, pending = conn.info.get(_MARKS), conn.info.get(_PENDING)
    if marks is not None and pending is not None and name in marks:
        del pending[marks.pop(name) :]


def _on_release_savepoint(conn: Connection, name: str, context: object) -> None:
    if (marks := conn.info.get(_MARKS)) is not None:
        marks.pop(name, None)


def prune(conn: Connection, retain: int) -> None:
    """Drop all but the newest `retain` entries; cursors below the new floor get 410."""
    seq = conn.execute(select(feed_state.c.seq).where(feed_state.c.id == 1)).scalar_one()
    floor = seq - retain
    if floor <= 0:
        return
    conn.execute(changes.delete().where(changes.c.seq <= floor))
    conn.execute(update(feed_state).where(feed_state.c.id == 1).values(floor=floor))


def current_cursor(conn: Connection) -> tuple[int, int]:
    """(seq, floor) of the change feed."""
    r = conn.execute(select(feed_state.c.seq, feed_state.c.floor).where(feed_state.c.id == 1))
    seq, floor = r.one()
    return int(seq), int(floor)


def changes_since(
    conn: Connection, since: int, limit: int = 5000
) -> tuple[list[Row], list[int], int]:
    """Rows changed after `since`, ids deleted after it, and the cursor to ask from next
    (past settings entries too: their news is `settings_version`, read after this)."""
    seq, floor = current_cursor(conn)
    if since < floor or since > seq:
        raise CursorGoneError()
    found = conn.execute(
        select(changes.c.seq, changes.c.user_id)
        .where(changes.c.seq > since)
        .order_by(changes.c.seq)
        .limit(limit)
    ).all()
    if not found:
        return [], [], since
    ids = list(dict.fromkeys(uid for _, uid in found if uid != SETTINGS_ENTRY))
    rows = user_rows(conn, ids)
    present = {r["id"] for r in rows}
    deleted = [uid for uid in ids if uid not in present]
    return rows, deleted, int(found[-1][0])
