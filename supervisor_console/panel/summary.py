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
SLOTS = STUCK + 1  # slots per block: the floor's block, then one block per desk
_INDEX = {status: i for i, status in enumerate(STATUSES)}

Slots = tuple[int, ...]  # the counters one row adds 1 to
# What a user adds to the tallies: their slots, Other key and text ("" if none), shown.
Entry = tuple[Slots, str, str, bool]


def other_key(text: str | None) -> str:
    """Other texts that differ only in case or spacing count together."""
    return " ".join((text or "").split()).casefold()


class Tally:
    """One set of counts (the whole floor, or what the filters show).

    `counts` is flat: the first block of `SLOTS` counters is per status (in `Status`
    order) then stuck; each desk has a block laid out the same after it, in the order
    of `desk_names` (shared with the other tally).
    """

    __slots__ = ("counts", "desk_names", "others")

    def __init__(self, desk_names: list[str]) -> None:
        self.desk_names = desk_names
        self.counts = [0] * (SLOTS * (1 + len(desk_names)))
        self.others: dict[str, dict[str, int]] = {}  # key -> spelling -> count

    def add_other(self, key: str, text: str, sign: int) -> None:
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

    @property
    def total(self) -> int:
        return sum(self.counts[:STUCK])

    def other_texts(self) -> list[tuple[str, int]]:
        """(text, count) per Other text, the largest first; each text in its most used
        spelling (ties: the first in alphabetical order)."""
        texts = [
            (min(spellings.items(), key=_most_used)[0], sum(spellings.values()))
            for spellings in self.others.values()
        ]
        return sorted(texts, key=lambda item: (-item[1], item[0].casefold()))

    def by_desk(self, status: Status | None) -> list[tuple[str, int]]:
        """(desk, count) of one status (None: the stuck dialers), non-zero, by desk name."""
        slot = STUCK if status is None else _INDEX[status]
        counts = self.counts
        found = ((d, counts[SLOTS * (1 + i) + slot]) for i, d in enumerate(self.desk_names))
        return sorted((desk, n) for desk, n in found if n)

    def as_dict(self) -> dict[str, Any]:
        """Plain values, zeros left out: equal for equal counts however they were reached."""
        counts = self.counts
        desks = {
            desk: counts[SLOTS * (1 + i) : SLOTS * (2 + i)]
            for i, desk in enumerate(self.desk_names)
        }
        return {
            "statuses": {s.value: n for s, n in zip(STATUSES, counts, strict=False) if n},
            "stuck": self.stuck,
            "total": self.total,
            "others": {key: dict(spellings) for key, spellings in self.others.items()},
            "desks": {desk: per for desk, per in desks.items() if any(per)},
        }


def _most_used(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


class StatusCounts:
    """The floor's and the shown rows' tallies, and what each user adds to them.

    Hot path (`note`, once per changed row): one cached lookup gives the row's slots
    from (status, stuck, desks); then one `+= 1` / `-= 1` per slot and tally.
    """

    __slots__ = ("_desk_index", "_desk_names", "_entries", "_slot_cache", "floor", "shown")

    def __init__(self) -> None:
        self._desk_names: list[str] = []
        self._desk_index: dict[str, int] = {}
        self._slot_cache: dict[tuple[Status, bool, tuple[str, ...]], Slots] = {}
        self._entries: dict[int, Entry] = {}  # user id -> what they add
        self.floor = Tally(self._desk_names)
        self.shown = Tally(self._desk_names)

    def tally(self, whole_floor: bool) -> Tally:
        return self.floor if whole_floor else self.shown

    def __len__(self) -> int:
        return len(self._entries)

    def note(self, row: UserRow, stuck: bool, shown: bool) -> None:
        """The row as it is now (added or replaced)."""
        status = row.status
        slots = self._slot_cache.get((status, stuck, row.desks))
        if slots is None:
            slots = self._slots(status, stuck, row.desks)
        key = text = ""
        if status is Status.OTHER and row.status_text:
            text = " ".join(row.status_text.split())
            key = text.casefold()
        entries = self._entries
        floor, shown_tally = self.floor, self.shown
        old = entries.get(row.id)
        if old is not None:  # take back what the row added (as `_drop`, inlined: hot)
            old_slots, old_key, old_text, old_shown = old
            if old_slots is slots and old_shown == shown and old_text == text:
                return
            counts = floor.counts
            for slot in old_slots:
                counts[slot] -= 1
            if old_key:
                floor.add_other(old_key, old_text, -1)
            if old_shown:
                counts = shown_tally.counts
                for slot in old_slots:
                    counts[slot] -= 1
                if old_key:
                    shown_tally.add_other(old_key, old_text, -1)
        entries[row.id] = (slots, key, text, shown)
        counts = floor.counts
        for slot in slots:
            counts[slot] += 1
        if key:
            floor.add_other(key, text, 1)
        if shown:
            counts = shown_tally.counts
            for slot in slots:
                counts[slot] += 1
            if key:
                shown_tally.add_other(key, text, 1)

    def _drop(self, entry: Entry) -> None:
        slots, key, text, shown = entry
        counts = self.floor.counts
        for slot in slots:
            counts[slot] -= 1
        if key:
            self.floor.add_other(key, text, -1)
        if shown:
            counts = self.shown.counts
            for slot in slots:
                counts[slot] -= 1
            if key:
                self.shown.add_other(key, text, -1)

    def _slots(self, status: Status, stuck: bool, desks: tuple[str, ...]) -> Slots:
        index = _INDEX[status]
        slots = [index, STUCK] if stuck else [index]
        for desk in dict.fromkeys(desks):  # a desk named twice counts once
            block = self._desk_index.get(desk)
            if block is None:
                block = self._add_desk(desk)
            slots.append(block + index)
            if stuck:
                slots.append(block + STUCK)
        found = self._slot_cache[(status, stuck, desks)] = tuple(slots)
        return found

    def _add_desk(self, desk: str) -> int:
        self._desk_names.append(desk)
        block = self._desk_index[desk] = SLOTS * len(self._desk_names)
        self.floor.counts.extend([0] * SLOTS)
        self.shown.counts.extend([0] * SLOTS)
        return block

    def forget(self, user_id: int) -> None:
        """The user is gone (deleted)."""
        old = self._entries.pop(user_id, None)
        if old is not None:
            self._drop(old)

    def set_shown(self, user_id: int, shown: bool) -> None:
        """The filters now show (or hide) this user; their row is unchanged."""
        old = self._entries.get(user_id)
        if old is None or old[3] == shown:
            return
        slots, key, text, _was = old
        self._entries[user_id] = (slots, key, text, shown)
        sign = 1 if shown else -1
        counts = self.shown.counts
        for slot in slots:
            counts[slot] += sign
        if key:
            self.shown.add_other(key, text, sign)

    def rebuild(self, rows: Iterable[tuple[UserRow, bool, bool]]) -> None:
        """Everything again from (row, stuck, shown) triples: for full batches only."""
        self._entries = {}
        self.floor = Tally(self._desk_names)
        self.shown = Tally(self._desk_names)
        for row, stuck, shown in rows:
            self.note(row, stuck, shown)


def recount(rows: Iterable[tuple[UserRow, bool, bool]]) -> StatusCounts:
    """A full recount (what the incremental counts must always equal; tests, benchmark)."""
    counts = StatusCounts()
    counts.rebuild(rows)
    return counts
