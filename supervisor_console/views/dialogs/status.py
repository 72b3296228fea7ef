"""Set status on the user's behalf: Break, Do Not Disturb, Meeting, or Other with a text."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QButtonGroup, QLabel, QLineEdit, QRadioButton, QWidget

from supervisor_console.actions.params import SETTABLE_STATUSES, StatusChoice
from supervisor_console.api.types import Status, UserRow
from supervisor_console.panel.columns import status_text
from supervisor_console.views.dialogs.common import ActionDialog, text_label

_MNEMONICS = {
    Status.AVAILABLE: "&Available",
    Status.BREAK: "&Break",
    Status.DND: "&Do Not Disturb",
    Status.MEETING: "&Meeting",
}


class SetStatusDialog(ActionDialog):
    """Not destructive (no confirmation: docs/console-notes.md, 3.1), so the focus starts on
    the choice."""

    def __init__(self, row: UserRow, parent: QWidget | None = None) -> None:
        super().__init__(row, "Set status", "Set status", parent)
        self.body.addWidget(text_label(f"Now: {status_text(row)}. Set the status to:", self))
        self.group = QButtonGroup(self)
        self.radios: dict[Status, QRadioButton] = {}
        for status in SETTABLE_STATUSES:
            radio = QRadioButton(_MNEMONICS.get(status, "&Other:"), self)
            self.group.addButton(radio)
            self.radios[status] = radio
            self.body.addWidget(radio)
        self.text = QLineEdit(self, placeholderText="What the status means, e.g. Training")
        self.text.setMaxLength(200)
        self.body.addWidget(self.text)
        self.call_note = text_label("", self)
        self.call_note.setObjectName("call_note")
        self.call_note.hide()
        self.body.addWidget(self.call_note)
        self.error = QLabel(self, wordWrap=True)
        self.error.setStyleSheet("color: #a4262c;")
        self.error.hide()
        self.body.addWidget(self.error)
        self.finish_layout()
        current = row.status if row.status in self.radios else Status.BREAK
        if current is Status.AVAILABLE:
            current = Status.BREAK  # the usual reason to open this on an Available agent
        self.radios[current].setChecked(True)
        if row.status is Status.OTHER:
            self.text.setText(row.status_text or "")
        self.group.buttonToggled.connect(self._sync)
        self.text.textChanged.connect(self._sync)
        self.text.returnPressed.connect(self.on_confirm)
        self._sync()

    def value(self) -> StatusChoice:
        return self.choice()

    def choice(self) -> StatusChoice:
        status = next(s for s, radio in self.radios.items() if radio.isChecked())
        return StatusChoice(status, self.text.text() if status is Status.OTHER else None)

    def restore(self, value: Any) -> None:
        assert isinstance(value, StatusChoice)
        if value.status in self.radios:
            self.radios[value.status].setChecked(True)
        self.text.setText(value.text or "")
        self._sync()

    def _sync(self) -> None:
        other = self.radios[Status.OTHER].isChecked()
        self.text.setEnabled(other)
        choice = self.choice()
        problem = choice.problem(self.row)
        self.confirm_button.setEnabled(problem is None)
        note = choice.call_note(self.row)
        self.call_note.setText(note or "")
        self.call_note.setVisible(note is not None)
        # Why Available cannot be chosen is said at once; a missing text only on confirm.
        if problem and choice.status is Status.AVAILABLE:
            self.error.setText(problem)
            self.error.show()
        else:
            self.error.hide()

    def on_confirm(self) -> None:
        problem = self.choice().problem(self.row)
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        self.accept()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        other = self.radios[Status.OTHER].isChecked()
        target = self.text if other else self.group.checkedButton()
        if target is not None:
            target.setFocus()
