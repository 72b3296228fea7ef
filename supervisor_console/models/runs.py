"""Grouping of row positions into contiguous runs, for one Qt signal per run."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from itertools import compress
from typing import Any, TypeVar

K = TypeVar("K", bound=tuple[Any, ...])
T = TypeVar("T")


def contiguous_runs(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, de-duplicated positions as inclusive ``(first, last)`` runs, ascending."""
    runs: list[tuple[int, int]] = []
    for pos in sorted(set(positions)):
        if runs and runs[-1][1] + 1 == pos:
            runs[-1] = (runs[-1][0], pos)
        else:
            runs.append((pos, pos))
    return runs


def insertion_groups(positions: list[int]) -> list[tuple[int, int]]:
    """Insertion points into a list (computed before any insert), as ``(point, count)``.

    Items bound for the same point end up next to each other, so each group is one
    ``beginInsertRows``; ``positions`` must be sorted ascending.
    """
    groups: list[tuple[int, int]] = []
    for pos in positions:
        if groups and groups[-1][0] == pos:
            groups[-1] = (pos, groups[-1][1] + 1)
        else:
            groups.append((pos, 1))
    return groups


def display_span(first: int, last: int, size: int, descending: bool) -> tuple[int, int]:
    """Storage positions ``first..last`` of a list of ``size`` as rows the view sees."""
    if not descending:
        return first, last
    return size - 1 - last, size - 1 - first


def merge_sorted(
    keys: list[K], items: list[T], dropped: list[int], fresh: list[tuple[K, T]]
) -> tuple[list[K], list[T]]:
    """Parallel sorted lists without the positions in ``dropped``, plus sorted ``fresh``.

    One masking pass and slice copies: far cheaper than shifting the lists once per item.
    """
    mask = [True] * len(keys)
    for pos in dropped:
        mask[pos] = False
    kept_keys = list(compress(keys, mask))
    kept_items = list(compress(items, mask))
    out_keys: list[K] = []
    out_items: list[T] = []
    start = 0
    for key, item in fresh:
        pos = bisect_left(kept_keys, key, start)
        out_keys += kept_keys[start:pos]
        out_items += kept_items[start:pos]
        out_keys.append(key)
        out_items.append(item)
        start = pos
    return out_keys + kept_keys[start:], out_items + kept_items[start:]
