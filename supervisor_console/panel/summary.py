"""Counts per status for the summary bar, kept incrementally from the panel's row changes.

No Qt. The model tells `StatusCounts` about every row it takes in (`note`: the row, whether
its dialer is stuck, whether the filters show it), every row it drops (`forget`), every row
a filter change shows or hides (`set_shown`), and rebuilds it only when it rebuilds
everything itself (a full batch, a new stuck rule). Each call costs O(1) per row (O(desks
of the row) for the per-desk split): a batch never rescans the floor.

Two tallies are kept side by side: `floor` (every user) and `shown` (the rows the filters
show, i.e. the panel's rows). Each counts per status, per Other text (case-folded and
whitespace-collapsed key, shown with its most used spelling), the stuck dialers, the
total, and the same per desk (a user on two desks counts once in each).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from supervisor_console.api.types import Status, UserRow

STATUSES = tuple(Status)
STUCK = len(STATUSES)  # the stuck count's slot, after one slot per status
SLOTS = STUCK + 1
_INDEX = {status: i for i, status in enumerate(STATUSES)}
_OTHER = _INDEX[Status.OTHER]

# What a row adds to a tally: status slot, Other key, Other text, stuck, desks.
Entry = tuple[int, str, str, bool, tuple[str, ...]]


def other_key(text: str | None) -> str:
    """Other texts that differ only in case or spacing count together."""
    return " ".join((text or "").split()).casefold()


def entry_of(row: UserRow, stuck: bool) -> Entry:
    index = _INDEX[row.status]
    if index == _OTHER and row.status_text:
        text = " ".join(row.status_text.split())
        return (index, text.casefold(), text, stuck, row.desks)
    return (index, "", "", stuck, row.desks)


class Tally:
    """One set of counts (the whole floor, or what the filters show)."""

    __slots__ = ("counts", "desks", "others", "total")

    def __init__(self) -> None:
        self.counts = [0] * SLOTS  # per status (in `Status` order), then stuck
        self.total = 0
        self.others: dict[str, dict[str, int]] = {}  # key -> spelling -> count
        self.desks: dict[str, list[int]] = {}  # desk -> counts laid out as `counts`

    def add(self, entry: Entry, sign: int) -> None:
        index, key, text, stuck, desks = entry
        counts = self.counts
        counts[index] += sign
        if stuck:
            counts[STUCK] += sign
        self.total += sign
        if key:
            self._other(key, text, sign)
        for desk in desks:
            per = self.desks.get(desk)
            if per is None:
                per = self.desks[desk] = [0] * SLOTS
            per[index] += sign
            if stuck:
                per[STUCK] += sign

    def _other(self, key: str, text: str, sign: int) -> None:
        spellings = self.others.setdefault(key, {})
        count = spellings.get(text, 0) + sign
        if count:
            spellings[text] = count
        else:
            del spellings[text]
            if not spellings:
                del self.others[key]

    # ---- reading ------------------------------------------------------------------------

    def count(self, status: Status) -> int:
        return self.counts[_INDEX[status]]

    @property
    def stuck(self) -> int:
        return self.counts[STUCK]

    def other_texts(self) -> list[tuple[str, int]]:
        """(text, count) per Other text, the largest first; each text in its most used
        spelling (ties: the first in alphabetical order)."""
        texts = [
            (
                min(spellings.items(), key=lambda item: (-item[1], item[0]))[0],
                sum(spellings.values()),
            )
            for spellings in self.others.values()
        ]
        return sorted(texts, key=lambda item: (-item[1], item[0].casefold()))

    def by_desk(self, status: Status | None) -> list[tuple[str, int]]:
        """(desk, count) of one status (None: the stuck dialers), non-zero, by desk name."""
        slot = STUCK if status is None else _INDEX[status]
        return sorted((desk, per[slot]) for desk, per in self.desks.items() if per[slot])

    def as_dict(self) -> dict[str, Any]:
        """Plain values, zeros left out: equal for equal counts however they were reached."""
        return {
            "statuses": {s.value: n for s, n in zip(STATUSES, self.counts, strict=False) if n},
            "stuck": self.counts[STUCK],
            "total": self.total,
            "others": {key: dict(spellings) for key, spellings in self.others.items()},
            "desks": {desk: [*per] for desk, per in self.desks.items() if any(per)},
        }


class StatusCounts:
    """The floor's and the shown rows' tallies, and what each user adds to them."""

    __slots__ = ("_entries", "floor", "shown")

    def __init__(self) -> None:
        self.floor = Tally()
        self.shown = Tally()
        self._entries: dict[int, tuple[Entry, bool]] = {}  # user id -> (entry, shown)

    def tally(self, whole_floor: bool) -> Tally:
        return self.floor if whole_floor else self.shown

    def __len__(self) -> int:
        return len(self._entries)

    def note(self, row: UserRow, stuck: bool, shown: bool) -> None:
        """The row as it is now (added or replaced)."""
        entry = entry_of(row, stuck)
        old = self._entries.get(row.id)
        if old is not None:
            if old[1] == shown and old[0] == entry:
                return
            self.floor.add(old[0], -1)
            if old[1]:
                self.shown.add(old[0], -1)
        self._entries[row.id] = (entry, shown)
        self.floor.add(entry, 1)
        if shown:
            self.shown.add(entry, 1)

    def forget(self, user_id: int) -> None:
        """The user is gone (deleted)."""
        old = self._entries.pop(user_id, None)
        if old is not None:
            self.floor.add(old[0], -1)
            if old[1]:
                self.shown.add(old[0], -1)

    def set_shown(self, user_id: int, shown: bool) -> None:
        """The filters now show (or hide) this user; their row is unchanged."""
        old = self._entries.get(user_id)
        if old is None or old[1] == shown:
            return
        self._entries[user_id] = (old[0], shown)
        self.shown.add(old[0], 1 if shown else -1)

    def rebuild(self, rows: Iterable[tuple[UserRow, bool, bool]]) -> None:
        """Everything again from (row, stuck, shown) triples: for full batches only."""
        self.floor = Tally()
        self.shown = Tally()
        self._entries = {}
        for row, stuck, shown in rows:
            self.note(row, stuck, shown)


def recount(rows: Iterable[tuple[UserRow, bool, bool]]) -> StatusCounts:
    """A full recount (what the incremental counts must always equal; tests, benchmark)."""
    counts = StatusCounts()
    counts.rebuild(rows)
    return counts
