"""View ▸ Time limits…: read by everyone, changed by admins, never alert before warn."""

from __future__ import annotations

from typing import Any

from supervisor_console.api.types import Limit, Thresholds
from supervisor_console.views.limits_dialog import LimitsDialog

SERVER = Thresholds(
    5, {"break": Limit(900, 1200), "call": Limit(600, 1200), "stuck": Limit(60, 300)}
)


def test_an_admin_changes_a_limit_in_minutes(qtbot: Any) -> None:
    dialog = LimitsDialog(SERVER, editable=True)
    qtbot.addWidget(dialog)
    assert (dialog.warn["break"].value(), dialog.alert["break"].value()) == (15, 20)
    assert dialog.focusWidget() is dialog.warn["break"]
    dialog.warn["break"].setValue(5)
    asked: list[dict[str, Limit]] = []
    dialog.save_requested.connect(asked.append)
    assert dialog.save_button is not None
    dialog.save_button.click()
    assert asked[0]["break"] == Limit(300, 1200)
    assert asked[0]["stuck"] == Limit(60, 300)


def test_the_alert_must_come_after_the_warning(qtbot: Any) -> None:
    dialog = LimitsDialog(SERVER, editable=True)
    qtbot.addWidget(dialog)
    dialog.alert["call"].setValue(5)
    assert dialog.problem() == "A call: the alert limit must be longer than the warning limit."
    assert dialog.save_button is not None
    assert not dialog.save_button.isEnabled()


def test_a_supervisor_reads_them(qtbot: Any) -> None:
    dialog = LimitsDialog(SERVER, editable=False)
    qtbot.addWidget(dialog)
    assert dialog.save_button is None
    assert not dialog.warn["break"].isEnabled()
