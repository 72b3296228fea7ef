"""Grouping of row positions into contiguous runs, for one Qt signal per run."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
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


def landing(keys: list[K], dropped: list[int], fresh: list[K]) -> list[int]:
    """Where sorted ``fresh`` keys end up once ``dropped`` (ascending) leave ``keys``."""
    out = []
    for rank, key in enumerate(fresh):
        point = bisect_left(keys, key)
        out.append(point - bisect_left(dropped, point) + rank)
    return out


def move_in_place(
    keys: list[K], items: list[T], dropped: list[int], fresh: list[tuple[K, T]]
) -> None:
    """Parallel sorted lists without ``dropped`` (ascending), plus sorted ``fresh``."""
    for pos in reversed(dropped):
        del keys[pos]
        del items[pos]
    for key, item in fresh:
        pos = bisect_left(keys, key)
        keys.insert(pos, key)
        items.insert(pos, item)


def splice(
    keys: list[K], items: list[T], dropped: list[int], fresh: list[tuple[K, T]]
) -> tuple[list[K], list[T]]:
    """The same as `move_in_place`, as new lists built from slices between cut points.

    Linear in the list length (each kept row is touched once, and again when the old
    list goes), where moving in place costs a memmove per item: cheaper for many items.
    """
    out_keys: list[K] = []
    out_items: list[T] = []
    start = 0
    cuts = iter(dropped)
    cut = next(cuts, None)
    for key, item in fresh:
        point = bisect_left(keys, key, start)
        while cut is not None and cut < point:
            out_keys += keys[start:cut]
            out_items += items[start:cut]
            start = cut + 1
            cut = next(cuts, None)
        out_keys += keys[start:point]
        out_items += items[start:point]
        start = point
        out_keys.append(key)
        out_items.append(item)
    while cut is not None:
        out_keys += keys[start:cut]
        out_items += items[start:cut]
        start = cut + 1
        cut = next(cuts, None)
    return out_keys + keys[start:], out_items + items[start:]
