"""The bulk actions to choose from, and what one needs besides its scope: a status, values (skills, tags, desks) or a role.

Values are chosen from those that exist (the panel model's facets) or typed in.

Signals:
    changed(): any input changed (the dialog's preview is then out of date).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.actions.params import RESET_OPTIONS, SETTABLE_STATUSES
from supervisor_console.api.types import Status
from supervisor_console.bulk import BULK_ACTIONS, ROLES, BulkAction, ParamKind
from supervisor_console.bulk.recycle_csv import RecycleSheet, parse_recycle_csv

_PAGES = (ParamKind.NONE, ParamKind.STATUS, ParamKind.VALUES, ParamKind.ROLE, ParamKind.RESET)


def fill_actions(combo: QComboBox, role: str | None) -> list[str]:
    """Every bulk action by group; those `role` may not run are disabled with the reason.

    Returns what the role cannot do (the verbs), for a note under the combo box.
    """
    group = BULK_ACTIONS[0].group
    disabled: list[str] = []
    for action in BULK_ACTIONS:
        if action.group != group:
            combo.insertSeparator(combo.count())
            group = action.group
        combo.addItem(action.label, action.key)
        allowed = action.availability(role)
        if not allowed.enabled:
            index = combo.count() - 1
            combo.setItemText(index, f"{action.label} (admin only)")
            combo.setItemData(index, allowed.reason, Qt.ItemDataRole.ToolTipRole)
            combo.model().item(index).setEnabled(False)  # type: ignore[attr-defined]
            disabled.append(action.verb)
    return list(dict.fromkeys(disabled))


class ValuesPicker(QWidget):
    """Checkable existing values plus a line to type new ones."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(self)
        self.list.setMaximumHeight(120)
        self.new_value = QLineEdit(self, placeholderText="Type a new value and press Enter")
        self.add_button = QPushButton("&Add", self)
        self.add_button.setAutoDefault(False)
        row = QHBoxLayout()
        row.addWidget(self.new_value, 1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self.add_button.clicked.connect(self.add_typed)
        self.new_value.returnPressed.connect(self.add_typed)
        self.list.itemChanged.connect(lambda _item: self.changed.emit())

    def set_values(self, values: list[str]) -> None:
        """Offer `values`, keeping what is checked."""
        checked = set(self.checked())
        self.list.blockSignals(True)
        self.list.clear()
        for value in sorted(set(values) | checked, key=str.casefold):
            self._add_item(value, value in checked)
        self.list.blockSignals(False)
        self.changed.emit()

    def _add_item(self, value: str, checked: bool) -> QListWidgetItem:
        item = QListWidgetItem(value, self.list)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        return item

    def add_typed(self) -> None:
        value = self.new_value.text().strip()
        if not value:
            return
        found = self.list.findItems(value, Qt.MatchFlag.MatchFixedString)
        item = found[0] if found else self._add_item(value, True)
        item.setCheckState(Qt.CheckState.Checked)
        self.list.scrollToItem(item)
        self.new_value.clear()
        self.changed.emit()

    def checked(self) -> list[str]:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]


class ResetPage(QWidget):
    """Bulk reset (seed 003, "Reset Multiple Users"): the reset options for every user, and
    optionally a CSV file of new holders (user, first name, last name, email) for the seats
    to recycle; the users not in it are reset, not recycled."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checks: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for option in RESET_OPTIONS:
            if option.name == "recycle":
                continue
            check = QCheckBox(option.label, self)
            check.setToolTip(option.explanation)
            check.toggled.connect(self.changed)
            self.checks[option.name] = check
            layout.addWidget(check)
        self.load_button = QPushButton("&Load new holders (CSV)…", self)
        self.load_button.setAutoDefault(False)
        self.load_button.setToolTip(
            "A file of user (username or id), first name, last name, email; a header row is "
            "optional. Those seats are recycled for the new holders; the others are reset."
        )
        self.load_button.clicked.connect(self._browse)
        self.welcome = QCheckBox("Send welcome emails (to the new holders with an email)", self)
        self.welcome.setChecked(True)
        self.keep = QCheckBox("Keep skills, tags and desks of the recycled seats", self)
        for check in (self.welcome, self.keep):
            check.toggled.connect(self._reparse)
        self.sheet_label = QLabel("No new holders: every user is reset, none recycled.", self)
        self.sheet_label.setWordWrap(True)
        self.sheet_label.setObjectName("recycle_sheet")
        layout.addWidget(self.load_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.welcome)
        layout.addWidget(self.keep)
        layout.addWidget(self.sheet_label)
        self.lookup: Callable[[str], int | None] = lambda _who: None
        self.path = ""
        self.text = ""
        self.sheet: RecycleSheet | None = None

    def _browse(self) -> None:
        dialog = QFileDialog(self, "New holders", "", "CSV files (*.csv);;All files (*)")
        dialog.fileSelected.connect(self.load_file)
        dialog.open()

    def load_file(self, path: str) -> None:
        try:
            with open(path, encoding="utf-8-sig") as handle:
                text = handle.read(1_000_000)
        except (OSError, UnicodeDecodeError) as exc:
            self.sheet, self.path = RecycleSheet(problems=[f"Cannot read {path}: {exc}"]), path
            self._show()
            return
        self.load_text(text, path)

    def load_text(self, text: str, path: str = "") -> None:
        self.text, self.path = text, path
        self._reparse()

    def _reparse(self) -> None:
        if self.text:
            self.sheet = parse_recycle_csv(
                self.text, self.lookup,
                send_welcome=self.welcome.isChecked(), keep_assignments=self.keep.isChecked(),
            )  # fmt: skip
        self._show()

    def _show(self) -> None:
        sheet = self.sheet
        if sheet is None:
            self.sheet_label.setText("No new holders: every user is reset, none recycled.")
        elif not sheet.ok:
            self.sheet_label.setText("\n".join([f"{self.path or 'The file'}:", *sheet.problems]))
        else:
            count = len(sheet.details)
            seats = "seat is" if count == 1 else "seats are"
            self.sheet_label.setText(
                f"{count} {seats} recycled for the new holders in {self.path or 'the file'}; "
                "the other users are reset."
            )
        self.changed.emit()

    def params(self) -> tuple[dict[str, Any], str | None]:
        options: dict[str, Any] = {name: c.isChecked() for name, c in self.checks.items()}
        if self.sheet is not None:
            if not self.sheet.ok:
                return {}, "Fix the file of new holders first: " + self.sheet.problems[0]
            options["recycle_details"] = self.sheet.details
        return options, None


class ParamsEditor(QStackedWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = QComboBox(self)
        for status in SETTABLE_STATUSES:
            self.status.addItem(status.label, status.value)
        self.status_text = QLineEdit(self, placeholderText="What Other means, e.g. Training")
        self.values = ValuesPicker(self)
        self.role = QComboBox(self)
        for role in ROLES:
            self.role.addItem(role.capitalize(), role)
        self._facets: dict[str, set[str]] = {}
        self._column = ""
        self.addWidget(QWidget(self))
        self.addWidget(self._status_page())
        self.addWidget(self.values)
        self.addWidget(self.role)
        self.reset = ResetPage(self)
        self.addWidget(self.reset)
        self.reset.changed.connect(self.changed)
        self.status.currentIndexChanged.connect(self._status_changed)
        self.status_text.textChanged.connect(self.changed)
        self.values.changed.connect(self.changed)
        self.role.currentIndexChanged.connect(self.changed)
        self._status_changed()

    def _status_page(self) -> QWidget:
        page = QWidget(self)
        layout = QHBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.status_text, 1)
        return page

    def _status_changed(self) -> None:
        self.status_text.setEnabled(self.status.currentData() == Status.OTHER.value)
        self.changed.emit()

    def set_facets(self, facets: dict[str, set[str]]) -> None:
        self._facets = facets
        if self._column:
            self.values.set_values(sorted(facets.get(self._column, ())))

    def set_action(self, action: BulkAction) -> None:
        self.setCurrentIndex(_PAGES.index(action.params))
        if action.params is ParamKind.VALUES and action.column != self._column:
            self._column = action.column
            self.values.list.clear()
            self.values.set_values(sorted(self._facets.get(action.column, ())))

    def params(self, action: BulkAction) -> tuple[dict[str, Any], str | None]:
        """The action's params, and what is missing (None when it can run)."""
        if action.params is ParamKind.STATUS:
            status = str(self.status.currentData())
            text = self.status_text.text().strip()
            if status == Status.OTHER.value and not text:
                return {}, "Say what the status Other means (for example Training)."
            return {"status": status, **({"text": text} if status == "other" else {})}, None
        if action.params is ParamKind.VALUES:
            values = self.values.checked()
            if not values and not action.key.startswith("set-"):
                return {}, f"Choose at least one of the {action.column} (or type a new one)."
            return {"values": values}, None
        if action.params is ParamKind.ROLE:
            return {"role": str(self.role.currentData())}, None
        if action.params is ParamKind.RESET:
            return self.reset.params()
        return {}, None
