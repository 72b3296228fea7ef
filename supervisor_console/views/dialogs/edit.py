"""Edit user: every editable field at once, checked as it is typed; Save sends the changes.

Not destructive, so Save is the default button (Enter saves). A refused save (a 409 or a
422) reopens this dialog with the input kept: `restore()` puts it back and marks, field by
field, what someone changed meanwhile; `show_field_errors()` what the server refused.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from supervisor_console.actions.edit import (
    LABELS,
    LIST_FIELDS,
    ROLES,
    TEXT_FIELDS,
    EditContext,
    EditParams,
    current_value,
    split_list,
)
from supervisor_console.api.types import UserRow
from supervisor_console.views.dialogs.common import ActionDialog

_ERROR_STYLE = "color: #a4262c;"
_CHANGED_STYLE = "color: #7a5200;"
NO_NUMBER = "No phone number"


class EditUserDialog(ActionDialog):
    def __init__(self, row: UserRow, context: EditContext, parent: QWidget | None = None) -> None:
        super().__init__(row, "Edit user", "Save", parent)
        self.setObjectName("edit_user")
        self.setMinimumWidth(520)
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.fields: dict[str, QLineEdit] = {}  # the text inputs among them
        self.notes: dict[str, QLabel] = {}
        form = QFormLayout()
        for name in TEXT_FIELDS:
            edit = QLineEdit(str(current_value(row, name) or ""), self)
            edit.setMaxLength(254 if name == "email" else 100)
            edit.textChanged.connect(self._validate)
            self._add(form, name, edit)
        self.phone = QComboBox(self)
        self.phone.addItem(NO_NUMBER, None)
        for number in context.numbers:
            self.phone.addItem(number, number)
        self.phone.setCurrentIndex(max(0, self.phone.findData(row.phone_number)))
        self._add(form, "phone_number", self.phone)
        self.role = QComboBox(self)
        for role in ROLES:
            self.role.addItem(role.capitalize(), role)
        self.role.setCurrentIndex(max(0, self.role.findData(row.role)))
        self.role.setEnabled(context.role_editable)
        if not context.role_editable:
            self.role.setToolTip("Only an admin can change roles.")
        self._add(form, "role", self.role)
        for name in LIST_FIELDS:
            edit = QLineEdit(", ".join(current_value(row, name)), self)
            edit.setPlaceholderText("Comma-separated, e.g. Sales, Support")
            self._add(form, name, edit)
        self.body.addLayout(form)
        self.finish_layout()
        # Not destructive: Enter saves (the base class makes Cancel the default).
        self.confirm_button.setDefault(True)
        self.cancel_button.setDefault(False)
        self._validate()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Not a confirmation: typing starts in the first field, or where the server objected.
        target = next(
            (self.inputs[n] for n, note in self.notes.items() if note.isVisibleTo(self)), None
        )
        (target or self.fields["first_name"]).setFocus(Qt.FocusReason.OtherFocusReason)

    def _add(self, form: QFormLayout, name: str, widget: QLineEdit | QComboBox) -> None:
        widget.setObjectName(f"edit_{name}")
        if isinstance(widget, QLineEdit):
            self.fields[name] = widget
        widget.setAccessibleName(LABELS[name])
        note = QLabel(self, wordWrap=True)
        note.setObjectName(f"note_{name}")
        note.hide()
        self.inputs[name], self.notes[name] = widget, note
        form.addRow(f"{LABELS[name]}:", widget)
        form.addRow("", note)

    def _text(self, name: str) -> Any:
        widget = self.inputs[name]
        if isinstance(widget, QComboBox):
            return widget.currentData()
        text = widget.text().strip()
        if name in LIST_FIELDS:
            return split_list(text)
        if name == "email":
            return text or None
        return text

    def value(self) -> EditParams:
        return self.params()

    def params(self) -> EditParams:
        changes = {
            name: self._text(name)
            for name in LABELS
            if self._text(name) != current_value(self.row, name)
        }
        return EditParams(self.row, changes)

    def _note(self, name: str, text: str, style: str) -> None:
        note = self.notes[name]
        note.setText(text)
        note.setStyleSheet(style)
        note.setVisible(bool(text))

    def _validate(self, *_args: object) -> bool:
        params = self.params()
        problems = params.problems()
        for name in LABELS:
            if self.notes[name].styleSheet() == _CHANGED_STYLE and name not in problems:
                continue  # keep "changed meanwhile" until the field is fixed
            self._note(name, problems.get(name, ""), _ERROR_STYLE)
        self.confirm_button.setEnabled(not problems and bool(params.changes))
        return not problems

    def on_confirm(self) -> None:
        if self._validate():
            self.accept()

    def restore(self, value: Any) -> None:
        """The input of a refused attempt, with what changed meanwhile marked per field."""
        assert isinstance(value, EditParams)
        for name, new in value.changes.items():
            widget = self.inputs[name]
            if isinstance(widget, QComboBox):
                index = widget.findData(new)
                if index < 0:
                    widget.addItem(str(new), new)
                    index = widget.count() - 1
                widget.setCurrentIndex(index)
            elif name in LIST_FIELDS:
                widget.setText(", ".join(new))
            else:
                widget.setText("" if new is None else str(new))
        for name, text in value.changed_meanwhile(self.row).items():
            self._note(name, text, _CHANGED_STYLE)
        self._validate()

    def show_field_errors(self, errors: dict[str, str]) -> None:
        for name, text in errors.items():
            if name in self.notes:
                self._note(name, text, _ERROR_STYLE)
