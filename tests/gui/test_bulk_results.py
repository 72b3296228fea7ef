"""The bulk dialog's job page with a scripted server: progress, cancel, results, CSV
export, failed users selected and retried. Async on the qasync loop: no qtbot.wait*."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from supervisor_console.bulk import ScopeKind
from supervisor_console.controllers.bulk_controller import BulkController
from supervisor_console.views.bulk_dialog import BulkDialog
from supervisor_console.views.main_window import MainWindow
from tests.support.waiting import until


class ScriptedJobs:
    """Answers the bulk endpoints in-process: the first job fails for users 3 and 5."""

    role = "admin"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.jobs: list[dict[str, Any]] = []
        self.hold = asyncio.Event()  # a job stays running until this is set (or cancelled)

    async def request(self, method: str, path: str, *, json: Any = None, parse: bool = True) -> Any:
        self.calls.append((method, path, json))
        body = self._answer(method, path, json)
        return body if parse else _dumps(body)

    def _answer(self, method: str, path: str, body: Any) -> Any:
        if path == "/bulk-jobs/preview":
            ids = body["scope"]["ids"]
            return {"total": len(ids), "will_change": len(ids), "skipped": {}, "live_calls": 0}
        if path == "/bulk-jobs":
            return self._create(body)
        path, _, query = path.partition("?")
        job = self.jobs[int(path.split("/")[2]) - 1]
        if path.endswith("/cancel"):
            job["cancel"] = True
        view = self._view(job)
        return {**view, "results": []} if query == "results=false" else view

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        ids = body["scope"]["ids"]
        failing = {3, 5} if not self.jobs else set()
        self.jobs.append(
            {"id": len(self.jobs) + 1, "ids": ids, "failing": failing, "cancel": False}
        )
        return {"id": len(self.jobs), "total": len(ids)}

    def _view(self, job: dict[str, Any]) -> dict[str, Any]:
        finished = self.hold.is_set() or job["cancel"]
        results = [self._result(job, uid, finished) for uid in job["ids"]]
        counts = {k: sum(r["outcome"] == k for r in results) for k in ("done", "skipped", "failed")}
        state = ("cancelled" if job["cancel"] else "done") if finished else "running"
        return {"id": job["id"], "action": "add-tags", "state": state, "total": len(job["ids"]),
                **counts, "results": results}  # fmt: skip

    def _result(self, job: dict[str, Any], uid: int, finished: bool) -> dict[str, Any]:
        if job["cancel"]:
            outcome, reason = "skipped", "cancelled"
        elif not finished:
            outcome, reason = "pending", None
        elif uid in job["failing"]:
            outcome, reason = "failed", "OperationalError: database is locked"
        else:
            outcome, reason = "done", None
        return {"user_id": uid, "name": f"User {uid}", "outcome": outcome, "reason": reason}


def _dumps(body: Any) -> bytes:
    return json.dumps(body).encode()


@pytest.fixture
def controller(window: MainWindow) -> BulkController:
    ctl = BulkController(window, poll_interval=0.01)
    ctl.client = ScriptedJobs()  # type: ignore[assignment]
    return ctl


async def previewed(ctl: BulkController, ids: list[int]) -> BulkDialog:
    ctl.selection.select_ids(ids)
    dialog = ctl.open_dialog()
    dialog.choose("add-tags", ScopeKind.SELECTED)
    dialog.params.values.new_value.setText("vip")
    dialog.params.values.add_typed()
    dialog.preview_button.click()
    await until(lambda: dialog.run_button.isEnabled())
    return dialog


async def test_failed_users_are_reselected_and_retried_and_results_export(
    controller: BulkController, tmp_path: Path
) -> None:
    jobs: ScriptedJobs = controller.client  # type: ignore[assignment]
    jobs.hold.set()
    dialog = await previewed(controller, [1, 2, 3, 4, 5])
    assert dialog.run_button.text() == "Add tags: 5 users"
    finished: list[Any] = []
    controller.job_finished.connect(finished.append)
    dialog.run_button.click()
    await until(lambda: finished)
    view = dialog.job
    ModelTester(None).check(view.results)
    assert view.results.rowCount() == 5
    assert view.results.index(0, 2).data() == "Failed"  # what needs attention comes first
    assert "2 failed: OperationalError: database is locked" in view.counts.text()
    assert view.retry_button.isVisible()
    assert view.select_button.isVisible()
    body = jobs.calls[1][2]
    assert body["expected_versions"] == {str(i): 1 for i in range(1, 6)}
    assert body["params"] == {"values": ["vip"]}

    target = tmp_path / "results.csv"
    controller.choose_path = lambda _parent, name, done: done(str(target))
    view.export_button.click()
    lines = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert lines[0] == ["user_id", "name", "outcome", "reason"]
    assert sorted(line[0] for line in lines[1:] if line[2] == "failed") == ["3", "5"]

    view.retry_button.click()
    assert sorted(r.id for r in controller.selection.selected_rows()) == [3, 5]
    assert dialog.pages.currentWidget() is dialog.setup
    assert dialog.chosen_scope() is ScopeKind.SELECTED
    assert dialog.current_action().key == "add-tags"
    assert dialog.params.values.checked() == ["vip"]
    dialog.preview_button.click()
    await until(lambda: dialog.run_button.isEnabled())
    dialog.run_button.click()
    await until(lambda: len(finished) == 2)
    assert jobs.calls[-1][1] == "/bulk-jobs/2"
    assert sorted(jobs.jobs[1]["ids"]) == [3, 5]
    assert finished[1].done == 2
    assert finished[1].failed == 0
    view.close_button.click()
    assert not dialog.isVisible()


async def test_cancel_while_running_then_select_failed_closes(controller: BulkController) -> None:
    jobs: ScriptedJobs = controller.client  # type: ignore[assignment]
    dialog = await previewed(controller, [1, 2, 3])
    dialog.run_button.click()
    view = dialog.job
    await until(lambda: view.state is not None and view.state.state == "running")
    assert view.cancel_button.isEnabled()
    assert "0 of 3 users" in view.counts.text()
    view.cancel_button.click()
    await until(lambda: view.state is not None and view.state.finished)
    assert view.state is not None
    assert view.state.state == "cancelled"
    assert ("POST", "/bulk-jobs/1/cancel", None) in jobs.calls
    assert view.results.index(0, 3).data() == "cancelled"
    assert not view.cancel_button.isVisible()
    await asyncio.gather(*controller.tasks)


def test_dialog_keyboard_defaults(controller: BulkController, qtbot: Any) -> None:
    dialog = controller.open_dialog()
    assert dialog.chosen_scope() is None
    assert not dialog.preview_button.isEnabled()
    assert "Choose whom to apply it to" in dialog.preview_label.text()
    assert dialog.focusWidget() is dialog.cancel_button
    assert not dialog.run_button.isEnabled()
    dialog.choose("add-skills", ScopeKind.ALL)
    assert "Choose at least one of the skills" in dialog.preview_label.text()
    dialog.params.values.list.item(0).setCheckState(Qt.CheckState.Checked)
    assert dialog.preview_button.isEnabled()
    assert "All users (30 users)" in dialog.scope_buttons[ScopeKind.ALL].text().replace("&", "")
    assert not dialog.scope_buttons[ScopeKind.SELECTED].isEnabled()
    dialog.reject()
