"""Edit user (issue 14, item 2): checked as typed, only changes sent, input kept on a
refusal with what changed meanwhile marked field by field."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from supervisor_console.actions.edit import EditContext, EditParams
from supervisor_console.api.types import Status
from supervisor_console.dev.samples import make_row
from supervisor_console.views.dialogs.edit import NO_NUMBER, EditUserDialog

ROW = make_row(
    7, first_name="Ada", last_name="Khan", email="ada@example.com", status=Status.BREAK,
    phone_number="+15550000007", desks=("Sales",), skills=("english",), tags=(),
)  # fmt: skip
CONTEXT = EditContext(("+15550000007", "+15559990001"), role_editable=False)


def test_only_the_changed_fields_are_sent(qtbot: Any) -> None:
    dialog = EditUserDialog(ROW, CONTEXT)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.confirm_button.isEnabled()  # nothing changed yet
    assert not dialog.role.isEnabled()  # a supervisor: only an admin changes roles
    assert dialog.focusWidget() is dialog.fields["first_name"]
    dialog.fields["last_name"].setText("Khan-Lovelace")
    dialog.fields["desks"].setText("Sales, Support, Sales")
    dialog.phone.setCurrentIndex(dialog.phone.findData("+15559990001"))
    assert dialog.confirm_button.isDefault()  # Enter saves
    QTest.keyClick(dialog.fields["last_name"], Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted.value
    assert dialog.value().changes == {
        "last_name": "Khan-Lovelace",
        "phone_number": "+15559990001",
        "desks": ["Sales", "Support"],
    }


def test_bad_input_is_said_at_the_field(qtbot: Any) -> None:
    dialog = EditUserDialog(ROW, CONTEXT)
    qtbot.addWidget(dialog)
    dialog.fields["email"].setText("ada@")
    assert dialog.notes["email"].text() == "ada@ is not a valid email address."
    dialog.fields["email"].setText("")  # clearing the email is allowed
    assert not dialog.notes["email"].isVisibleTo(dialog)
    assert dialog.value().changes == {"email": None}
    dialog.fields["extension"].setText("12a")
    assert dialog.notes["extension"].text() == "An extension is 2 to 10 digits."
    assert not dialog.confirm_button.isEnabled()
    assert dialog.phone.itemText(0) == NO_NUMBER


def test_a_refusal_keeps_the_input_and_marks_what_changed_meanwhile(qtbot: Any) -> None:
    tried = EditParams(ROW, {"last_name": "Khan-Lovelace", "email": "ada@khan.example"})
    now = make_row(
        7, version=9, first_name="Ada", last_name="Khan", email="ada@example.com",
        status=Status.BREAK, phone_number="+15550000007", desks=("Support",),
        skills=("english",), tags=(),
    )  # fmt: skip
    dialog = EditUserDialog(now, CONTEXT)
    qtbot.addWidget(dialog)
    dialog.restore(tried)
    dialog.show_field_errors({"email": "That email is already used by Bo Li (agent9)."})
    assert dialog.fields["last_name"].text() == "Khan-Lovelace"
    assert dialog.fields["email"].text() == "ada@khan.example"
    assert dialog.notes["desks"].text() == "Changed meanwhile: was Sales, now Support."
    assert dialog.notes["email"].text() == "That email is already used by Bo Li (agent9)."
    assert dialog.value().seen.version == 9  # the next attempt is against the row as it is now
