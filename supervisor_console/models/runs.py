"""Grouping of row positions into contiguous runs, for one Qt signal per run."""

from __future__ import annotations

from collections.abc import Iterable


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
