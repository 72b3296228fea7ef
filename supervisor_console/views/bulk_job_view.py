"""The running bulk job: progress with done/skipped/failed counts and Cancel, then the
per-user results with CSV export and the failed users to select or retry.

Signals:
    cancel_requested(), export_requested(), select_failed_requested(), retry_requested(),
    close_requested().
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.bulk import JobState
from supervisor_console.bulk.texts import progress_text, reason_lines
from supervisor_console.models.bulk_results import BulkResultsModel
from supervisor_console.views.dialogs.common import text_label


class BulkJobView(QWidget):
    cancel_requested = Signal()
    export_requested = Signal()
    select_failed_requested = Signal()
    retry_requested = Signal()
    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state: JobState | None = None
        self.title = text_label("Starting the bulk job…", self, bold=True)
        self.progress = QProgressBar(self)
        self.counts = text_label("", self)
        self.counts.setObjectName("counts")
        self.results = BulkResultsModel(self)
        self.table = QTableView(self)
        self._set_up_table()
        self.cancel_button = self._button("Cancel &job", self.cancel_requested.emit)
        self.export_button = self._button("&Export CSV…", self.export_requested.emit)
        self.select_button = self._button(
            "&Select failed in panel", self.select_failed_requested.emit
        )
        self.retry_button = self._button("&Retry failed…", self.retry_requested.emit)
        self.close_button = self._button("Close", self.close_requested.emit)
        self._lay_out()
        self.reset()

    def _button(self, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _=False: slot())
        return button

    def _set_up_table(self) -> None:
        self.table.setModel(self.results)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((180, 60, 80)):
            header.resizeSection(column, width)

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.export_button, self.select_button, self.retry_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.progress)
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def reset(self) -> None:
        self.state = None
        self.title.setText("Starting the bulk job…")
        self.progress.setRange(0, 0)  # busy until the first answer
        self.counts.setText("")
        self.results.set_results(())
        self.table.hide()
        self.cancel_button.setEnabled(True)
        self.cancel_button.setVisible(True)
        for button in (self.export_button, self.select_button, self.retry_button):
            button.setVisible(False)

    def set_state(self, state: JobState, label: str) -> None:
        """A poll's answer: progress while it runs, the result table once it has finished."""
        self.state = state
        self.title.setText(f"{label}: bulk job {state.id}")
        self.progress.setRange(0, max(state.total, 1))
        self.progress.setValue(state.processed if state.total else 1)
        self.counts.setText(progress_text(state))
        self.cancel_button.setEnabled(not state.finished)
        self.cancel_button.setVisible(not state.finished)
        if state.finished:
            self._show_results(state)

    def _show_results(self, state: JobState) -> None:
        self.results.set_results(state.results)
        self.counts.setText("\n".join([progress_text(state), *reason_lines(state.results)]))
        self.table.show()
        failed = state.failed > 0
        self.export_button.setVisible(True)
        self.select_button.setVisible(failed)
        self.retry_button.setVisible(failed)
        self.close_button.setFocus()

    def show_error(self, text: str) -> None:
        self.title.setText(text)
        self.progress.setRange(0, 1)
        self.cancel_button.setEnabled(False)
