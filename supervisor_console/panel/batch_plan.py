"""What an incremental batch does to the shown rows, worked out before any Qt signal.

Positions are storage positions in the sorted list as it stands before the batch, so
one bisect per changed row serves every later step: in-place updates use them as they
are, removals too, and moves shift them past the removed rows with integer bisects.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from supervisor_console.api.types import ChangeBatch, UserRow
from supervisor_console.panel.columns import SortValue

Key = tuple[SortValue, int]


@dataclass(slots=True)
class BatchPlan:
    leaving: list[int] = field(default_factory=list)  # shown rows that leave
    updated: list[tuple[int, UserRow]] = field(default_factory=list)  # same place, new data
    moves: list[tuple[int, UserRow]] = field(default_factory=list)  # shown, sort key changed
    entering: list[UserRow] = field(default_factory=list)

    def moves_after_removal(self) -> list[tuple[int, UserRow]]:
        """The moves with positions as they are once the leaving rows are gone."""
        gone = sorted(self.leaving)
        return [(pos - bisect_left(gone, pos), row) for pos, row in self.moves]


def newest(batch: ChangeBatch, held: dict[int, UserRow]) -> dict[int, UserRow]:
    """The rows of ``batch`` that are newer than what is held (and not deleted)."""
    deleted = set(batch.deleted)
    latest: dict[int, UserRow] = {}
    for row in batch.changed:
        old = latest.get(row.id) or held.get(row.id)
        if row.id not in deleted and (old is None or row.version > old.version):
            latest[row.id] = row
    return latest


def find(keys: list[Key], key: Key) -> int | None:
    pos = bisect_left(keys, key)
    return pos if pos < len(keys) and keys[pos] == key else None


def classify(
    rows: Iterable[UserRow],
    old_rows: dict[int, UserRow],
    keys: list[Key],
    sort_fn: Callable[[UserRow], SortValue],
    shows: Callable[[UserRow, UserRow | None], bool],
) -> BatchPlan:
    """Sort each row into the plan; ``shows(row, old)`` also takes note of the change."""
    plan = BatchPlan()
    for row in rows:
        old = old_rows.get(row.id)
        pos = None if old is None else find(keys, (sort_fn(old), row.id))
        if not shows(row, old):
            if pos is not None:
                plan.leaving.append(pos)
        elif pos is None:
            plan.entering.append(row)
        elif sort_fn(row) == keys[pos][0]:
            plan.updated.append((pos, row))
        else:
            plan.moves.append((pos, row))
    return plan
