"""Moves inside the live panel: list splicing, selection following, layout-change hints."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelection,
    QItemSelectionModel,
    Qt,
)

from supervisor_console.api.types import ChangeBatch
from supervisor_console.dev.samples import EPOCH, changed, random_row
from supervisor_console.models.panel import LivePanelModel
from supervisor_console.panel.columns import Column
from supervisor_console.panel.runs import landing, move_in_place, splice

Flag = QItemSelectionModel.SelectionFlag


@given(
    size=st.integers(0, 60),
    data=st.data(),
)
def test_splice_and_move_in_place_agree_with_sorting(size: int, data: Any) -> None:
    keys = [
        (k, i)
        for i, k in enumerate(data.draw(st.lists(st.integers(0, 5), min_size=size, max_size=size)))
    ]
    keys.sort()
    items = [f"item{i}" for _k, i in keys]
    dropped = sorted(
        data.draw(st.sets(st.integers(0, max(size - 1, 0)), max_size=size)) if size else set()
    )
    fresh = sorted(((data.draw(st.integers(0, 5)), keys[pos][1]), items[pos]) for pos in dropped)
    kept = [
        (k, it) for pos, (k, it) in enumerate(zip(keys, items, strict=True)) if pos not in dropped
    ]
    want = sorted(kept + fresh)
    new_keys, new_items = splice(keys, items, dropped, fresh)
    assert list(zip(new_keys, new_items, strict=True)) == want
    landed = landing(keys, dropped, [key for key, _item in fresh])
    assert [new_keys[pos] for pos in landed] == [key for key, _item in fresh]
    move_in_place(keys, items, dropped, fresh)
    assert (keys, items) == (new_keys, new_items)


def _model(rows: int) -> LivePanelModel:
    rng = random.Random(7)
    model = LivePanelModel(clock=lambda: EPOCH)
    model.apply(ChangeBatch([random_row(i, rng) for i in range(1, rows + 1)], [], 1, full=True))
    model.sort(Column.STATUS)
    return model


def _record(model: LivePanelModel) -> list[str]:
    seen: list[str] = []
    model.layoutChanged.connect(lambda *_a: seen.append("layout"))
    model.dataChanged.connect(lambda *_a: seen.append("data"))
    return seen


@pytest.mark.parametrize("many", [False, True])  # moved in place, or lists rebuilt
def test_selected_rows_follow_moves(qapp: Any, many: bool) -> None:
    rng = random.Random(3)
    model = _model(800)
    selection = QItemSelectionModel(model)
    chosen = [model.row_at(r).id for r in range(0, 800, 9)]
    for user_id in chosen:
        shown = model.display_row_of(user_id)
        assert shown is not None
        selection.select(model.index(shown, 0), Flag.Select | Flag.Rows)
    current = model.row_at(400).id
    selection.setCurrentIndex(model.index(400, 3), Flag.NoUpdate)
    picked = rng.sample(range(1, 801), 500 if many else 40)
    batch = [changed(model.user(i), rng) for i in picked]  # type: ignore[arg-type]
    seen = _record(model)
    model.apply(ChangeBatch(batch, [], 2))
    assert "layout" in seen
    selected = {model.row_at(i.row()).id for i in selection.selectedRows()}
    assert selected == set(chosen)
    assert model.row_at(selection.currentIndex().row()).id == current
    assert selection.currentIndex().column() == 3


def test_layout_change_is_a_vertical_sort(qapp: Any) -> None:
    """The hint keeps one persistent index per selected row, not one per cell."""
    model = _model(100)
    selection = QItemSelectionModel(model)
    selection.select(QItemSelection(model.index(10, 0), model.index(19, 14)), Flag.Select)
    hints: list[Any] = []
    sizes: list[int] = []

    def about(_parents: Any, hint: Any) -> None:
        hints.append(hint)
        sizes.append(len(model.persistentIndexList()))

    model.layoutAboutToBeChanged[  # type: ignore[index]
        "QList<QPersistentModelIndex>", "QAbstractItemModel::LayoutChangeHint"
    ].connect(about)
    model.sort(Column.NAME, Qt.SortOrder.DescendingOrder)
    assert hints == [QAbstractItemModel.LayoutChangeHint.VerticalSortHint]
    assert sizes[0] <= 2 * 10  # without the hint: 10 rows x 15 columns
    assert len(selection.selectedRows()) == 10
