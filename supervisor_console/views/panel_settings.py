"""Column layout, sort and filters of the panel, kept across restarts in QSettings."""

from __future__ import annotations

import base64
import json
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from supervisor_console.panel.filters import PanelFilter
from supervisor_console.views.filter_bar import FilterBar
from supervisor_console.views.panel_view import PanelView

HEADER_KEY = "panel/header"
FILTER_KEY = "panel/filter"
GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"


def save_panel(settings: QSettings, view: PanelView, filters: FilterBar) -> None:
    # saveState covers order, widths, hidden columns and the sort indicator.
    settings.setValue(HEADER_KEY, view.horizontalHeader().saveState())
    settings.setValue(FILTER_KEY, json.dumps(filters.current_filter().to_dict()))


def panel_layout(view: PanelView, filters: FilterBar) -> dict[str, Any]:
    """What a saved view keeps: the filters, and the columns (order, widths, hidden) with the
    sort, as JSON the server stores as given."""
    state = bytes(view.horizontalHeader().saveState().data())
    return {
        "filter": filters.current_filter().to_dict(),
        "header": base64.b64encode(state).decode(),
    }


def apply_layout(layout: Any, view: PanelView, filters: FilterBar) -> bool:
    """Show a saved view's layout; False when it is unreadable (nothing changed then)."""
    if not isinstance(layout, dict):
        return False
    try:
        state = base64.b64decode(str(layout.get("header", "")), validate=True)
    except ValueError:
        return False
    header = view.horizontalHeader()
    if state and not header.restoreState(QByteArray(state)):
        return False
    view.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
    filters.set_filter(PanelFilter.from_dict(layout.get("filter")))
    return True


def restore_panel(settings: QSettings, view: PanelView, filters: FilterBar) -> None:
    header = view.horizontalHeader()
    state = settings.value(HEADER_KEY)
    if isinstance(state, QByteArray | bytes) and not header.restoreState(QByteArray(state)):
        view.reset_columns()
    view.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
    filters.set_filter(_load_filter(settings))


def _load_filter(settings: QSettings) -> PanelFilter:
    raw = settings.value(FILTER_KEY)
    try:
        return PanelFilter.from_dict(json.loads(str(raw))) if raw else PanelFilter()
    except (ValueError, TypeError):
        return PanelFilter()
