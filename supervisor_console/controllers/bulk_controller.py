"""Bulk work in the window: the selection that follows users and its count, the Bulk menu
and shortcuts, and the bulk dialog's preview, job, cancel, export and retry.

Shortcuts: Ctrl+B bulk action, Ctrl+A select all shown (the table's own), Ctrl+I invert,
Space or Ctrl+Space toggle the current user, Shift+arrows / Shift+PgDn extend.

Signals:
    dialog_opened(BulkDialog): the dialog is open, active and has the keyboard (Cancel on
        the set-up page), so keys sent now reach it. Not at `open()`: the window system
        activates a new window later, on the event loop, and only then does Qt move the
        keyboard into it (until then `QApplication.focusWidget()` is still the panel).
    job_finished(JobState).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QWidget

from supervisor_console import bulk
from supervisor_console.api.client import ApiClient
from supervisor_console.api.errors import ApiError
from supervisor_console.bulk import BulkRequest, JobState, ScopeKind
from supervisor_console.bulk.texts import results_csv
from supervisor_console.controllers import selection as sel
from supervisor_console.controllers.bulk_runner import JobRunner, explain
from supervisor_console.controllers.tasks import TaskKeeper
from supervisor_console.views.bulk_dialog import BulkDialog, BulkDraft, ScopeCounts
from supervisor_console.views.main_window import MainWindow

log = logging.getLogger(__name__)
MESSAGE_MS = 15000
PathChooser = Callable[[QWidget, str, Callable[[str], None]], None]


def ask_save_path(parent: QWidget, suggested: str, done: Callable[[str], None]) -> None:
    """Ask where to save, with `open()` (no nested event loop); `done(path)` if chosen."""
    dialog = QFileDialog(parent, "Export bulk results", suggested, "CSV files (*.csv)")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setDefaultSuffix("csv")
    dialog.fileSelected.connect(done)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()


class BulkController(QObject):
    dialog_opened = Signal(object)
    job_finished = Signal(object)

    def __init__(self, window: MainWindow, *, poll_interval: float = bulk.POLL_INTERVAL) -> None:
        super().__init__(window)
        self.window, self.model, self.panel = window, window.model, window.panel
        self.selection = sel.install(self.panel, self.model)
        self.count_label = QLabel(sel.count_text(0, 0), window)
        self.count_label.setObjectName("selection_count")
        window.statusBar().addPermanentWidget(self.count_label)
        self.selection.count_changed.connect(self._show_count)
        self.client: ApiClient | None = None
        self.dialog: BulkDialog | None = None
        self.jobs = JobRunner(self, poll_interval)
        self.choose_path: PathChooser = ask_save_path  # tests replace this seam
        self.tasks = TaskKeeper("bulk action", lambda text: self.show_message(text))
        self.actions: dict[str, QAction] = {}
        self._prepared: tuple[BulkDraft, BulkRequest, dict[str, int]] | None = None
        self._awaiting_focus: Callable[[QWidget | None, QWidget | None], None] | None = None
        self._install_actions()
        self.model.counts_changed.connect(lambda *_: self._refresh_dialog())
        self.model.facets_changed.connect(self._refresh_dialog)

    @property
    def role(self) -> str | None:
        return self.client.role if self.client is not None else None

    def set_client(self, client: ApiClient | None) -> None:
        self.client = client

    # ---- menu and shortcuts -------------------------------------------------------------

    def _install_actions(self) -> None:
        menu = self.window.menuBar().addMenu("&Bulk")
        entries: list[tuple[str, str, Callable[[], Any], Qt.ShortcutContext | None]] = [
            ("Bulk action…", "Ctrl+B", self.open_dialog, Qt.ShortcutContext.WindowShortcut),
            ("Select all shown", "Ctrl+A", self.panel.selectAll, None),  # the table's own key
            (
                "Invert selection",
                "Ctrl+I",
                self.selection.invert,
                Qt.ShortcutContext.WindowShortcut,
            ),
            ("Toggle current user", "Space", self.selection.toggle_current, _PANEL),
            ("Clear selection", "", self.selection.clearSelection, None),
        ]
        for label, keys, slot, context in entries:
            action = QAction(label, self.window)
            if context is not None:
                action.setShortcut(QKeySequence(keys))
                action.setShortcutContext(context)
                (self.panel if context is _PANEL else self.window).addAction(action)
            elif keys:
                action.setText(f"{label}\t{keys}")  # shown, handled by the table itself
            action.triggered.connect(lambda _=False, s=slot: s())
            menu.addAction(action)
            self.actions[label] = action

    def _show_count(self, shown: int, hidden: int) -> None:
        self.count_label.setText(sel.count_text(shown, hidden))
        self._refresh_dialog()

    def _refresh_dialog(self) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.set_counts(self.counts())
            self.dialog.set_facets(self.model.facets)

    def show_message(self, text: str) -> None:
        self.window.show_message(text, MESSAGE_MS)

    # ---- the dialog ---------------------------------------------------------------------

    def counts(self) -> ScopeCounts:
        s = self.selection
        return ScopeCounts(
            s.shown_count(), self.model.shown_count, self.model.total_count, s.hidden_count()
        )

    def open_dialog(self) -> BulkDialog:
        """Open the bulk dialog (again, if a job is still showing in it); `dialog_opened`
        follows once the keyboard is in it."""
        if self.dialog is None:
            self.dialog = self._new_dialog()
        dialog = self.dialog
        dialog.set_counts(self.counts())
        self._announce_when_focused(dialog)
        dialog.open()
        if dialog.isActiveWindow() and self._has_keyboard(dialog, QApplication.focusWidget()):
            self._stop_awaiting_focus()  # it already had it: no focus change will come
            self.dialog_opened.emit(dialog)
        return dialog

    @staticmethod
    def _has_keyboard(dialog: BulkDialog, widget: QWidget | None) -> bool:
        return widget is not None and (widget is dialog or dialog.isAncestorOf(widget))

    def _announce_when_focused(self, dialog: BulkDialog) -> None:
        """Emit `dialog_opened` when the application's focus enters `dialog`."""
        self._stop_awaiting_focus()
        app = QApplication.instance()
        assert isinstance(app, QApplication)

        def focused(_old: QWidget | None, new: QWidget | None) -> None:
            if not shiboken6.isValid(dialog):
                self._stop_awaiting_focus()
            elif self._has_keyboard(dialog, new):
                self._stop_awaiting_focus()
                self.dialog_opened.emit(dialog)

        self._awaiting_focus = focused
        app.focusChanged.connect(focused)

    def _stop_awaiting_focus(self) -> None:
        slot, self._awaiting_focus = self._awaiting_focus, None
        app = QApplication.instance()
        if slot is not None and isinstance(app, QApplication):
            app.focusChanged.disconnect(slot)

    def user_lookup(self, who: str) -> int | None:
        """A user id from a username (or an id) as the panel has them: for the new holders'
        file of a bulk recycle."""
        rows = self.model.all_rows()
        if who.isdigit() and int(who) in rows:
            return int(who)
        wanted = who.casefold()
        return next((uid for uid, row in rows.items() if row.username.casefold() == wanted), None)

    def _new_dialog(self) -> BulkDialog:
        dialog = BulkDialog(self.role, self.window)
        dialog.set_facets(self.model.facets)
        dialog.params.reset.lookup = self.user_lookup
        dialog.preview_requested.connect(lambda d: self.spawn(self.preview(d)))
        dialog.run_requested.connect(lambda d: self.spawn(self.run(d)))
        job = dialog.job
        job.cancel_requested.connect(lambda: self.spawn(self.jobs.cancel()))
        job.export_requested.connect(self.export)
        job.select_failed_requested.connect(self.select_failed)
        job.retry_requested.connect(self.retry_failed)
        job.close_requested.connect(dialog.accept)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        return dialog

    def _dialog_closed(self, dialog: BulkDialog) -> None:
        self._stop_awaiting_focus()  # closed before it ever got the keyboard
        if self.jobs.running:
            return  # the job goes on; Ctrl+B shows it again
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    # ---- preview and run ----------------------------------------------------------------

    async def preview(self, draft: BulkDraft) -> None:
        dialog = self.dialog
        if dialog is None or self.client is None:
            return
        scope = bulk.make_scope(
            draft.scope, self.selection.selected_rows(), self.model.shown_rows(),
            self.model.all_rows(), self.model.panel_filter,
        )  # fmt: skip
        request = BulkRequest(draft.action.key, scope, draft.params)
        try:
            preview = await bulk.preview(self.client, request)
        except ApiError as exc:
            dialog.show_error(explain(exc))
            return
        self._prepared = (draft, request, scope.versions())
        note = ""
        if preview.total != scope.count and draft.scope is not ScopeKind.SELECTED:
            note = f"The server counts {preview.total:,} users for this scope; the panel shows {scope.count:,}."
        dialog.show_preview(draft, preview, note)

    async def run(self, draft: BulkDraft) -> None:
        prepared, self._prepared = self._prepared, None
        if prepared is None or prepared[0] != draft or self.dialog is None:
            return
        _draft, request, versions = prepared
        final = await self.jobs.run(self.dialog.job, draft.action.label, request, versions)
        if final is not None:
            self.show_message(
                f"Bulk job {final.id}: {final.done:,} done, "
                f"{final.skipped:,} skipped, {final.failed:,} failed."
            )
            self.job_finished.emit(final)

    # ---- results ------------------------------------------------------------------------

    def export(self) -> None:
        state = self.jobs.last
        if state is None or self.dialog is None:
            return
        suggested = f"bulk-job-{state.id}-{state.action}.csv"
        self.choose_path(self.dialog, suggested, lambda path: self._write_csv(path, state))

    def _write_csv(self, path: str, state: JobState) -> None:
        try:
            Path(path).write_text(results_csv(state.results), encoding="utf-8", newline="")
        except OSError as exc:
            self.show_message(f"Could not save {path}: {exc.strerror or exc}")
            return
        self.show_message(f"Saved {len(state.results):,} results to {path}.")

    def select_failed(self) -> None:
        state = self.jobs.last
        if state is not None:
            self.selection.select_ids(state.ids_with("failed"))
            if self.dialog is not None:
                self.dialog.accept()
            self.panel.setFocus()

    def retry_failed(self) -> None:
        """Select the failed users and set the same action up again for them."""
        state = self.jobs.last
        if state is None or self.dialog is None:
            return
        self.selection.select_ids(state.ids_with("failed"))
        self.dialog.set_counts(self.counts())
        self.dialog.back_to_setup(state.action, ScopeKind.SELECTED)

    # ---- tasks --------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return self.tasks.spawn(coro)

    async def close(self) -> None:
        self._stop_awaiting_focus()
        await self.tasks.cancel_all()
        if self.dialog is not None:
            self.dialog.reject()


_PANEL = Qt.ShortcutContext.WidgetWithChildrenShortcut
