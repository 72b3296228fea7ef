"""Set status: Available comes back from Break/DND/Meeting/Other, and a live call's fate is
said before anything is sent (issue 14, item 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from supervisor_console.api.types import LiveCall, Status
from supervisor_console.dev.samples import make_row
from supervisor_console.views.dialogs.status import SetStatusDialog

CALL = LiveCall(9, "inbound", "+15551234567", datetime(2026, 12, 1, 9, tzinfo=UTC))


def test_available_brings_an_agent_back_from_a_break(qtbot: Any) -> None:
    row = make_row(7, first_name="Ada", last_name="Khan", status=Status.BREAK)
    dialog = SetStatusDialog(row)
    qtbot.addWidget(dialog)
    assert next(r.text() for r in dialog.radios.values()) == "&Available"
    dialog.radios[Status.AVAILABLE].setChecked(True)
    assert dialog.confirm_button.isEnabled()
    assert not dialog.error.isVisibleTo(dialog)
    assert dialog.choice().status is Status.AVAILABLE


def test_a_busy_dialer_needs_a_reset_not_available(qtbot: Any) -> None:
    row = make_row(7, first_name="Ada", last_name="Khan", status=Status.BUSY)
    dialog = SetStatusDialog(row)
    qtbot.addWidget(dialog)
    dialog.radios[Status.AVAILABLE].setChecked(True)
    assert not dialog.confirm_button.isEnabled()
    assert dialog.error.isVisibleTo(dialog)
    assert dialog.error.text() == (
        "Ada Khan is Busy: use Reset dialer status to make them Available."
    )


def test_a_live_call_goes_on_and_the_dialog_says_so(qtbot: Any) -> None:
    row = make_row(7, first_name="Ada", last_name="Khan", status=Status.BUSY, live_call=CALL)
    dialog = SetStatusDialog(row)
    qtbot.addWidget(dialog)
    dialog.radios[Status.BREAK].setChecked(True)
    assert dialog.call_note.isVisibleTo(dialog)
    assert dialog.call_note.text() == (
        "The call with +15551234567 goes on; Ada Khan gets no queue calls until Available."
    )
    assert dialog.confirm_button.isEnabled()
