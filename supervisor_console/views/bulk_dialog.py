"""The bulk dialog: action, values, scope (with counts), the server's preview, confirmation;
then the job's progress and per-user results (`BulkJobView`).

Opened with `open()` (window-modal); everything that talks to the server is done by the
controller, which listens to the signals below. Nothing runs without a preview of exactly
what is set up now: any change makes the preview stale and disables Run.

Signals:
    preview_requested(BulkDraft), run_requested(BulkDraft).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.bulk import (
    BULK_BY_KEY,
    BulkAction,
    BulkDraft,
    ParamKind,
    Preview,
    ScopeCounts,
    ScopeKind,
)
from supervisor_console.bulk.texts import (
    confirm_prompt,
    confirm_word,
    preview_lines,
    run_label,
    users,
)
from supervisor_console.views.bulk_job_view import BulkJobView
from supervisor_console.views.bulk_params import ParamsEditor, fill_actions
from supervisor_console.views.dialogs.common import text_label

__all__ = ["BulkDialog", "BulkDraft", "ScopeCounts"]
_RETURN = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_SCOPE_MNEMONICS = {
    ScopeKind.SELECTED: "&Selected users",
    ScopeKind.FILTER: "Users &matching the current filters",
    ScopeKind.ALL: "A&ll users",
}


class BulkDialog(QDialog):
    preview_requested = Signal(object)
    run_requested = Signal(object)

    def __init__(self, role: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Bulk action")
        self.setMinimumWidth(560)
        self.role = role
        self.preview: Preview | None = None
        self._previewed: BulkDraft | None = None
        self._word: str | None = None
        self.pages = QStackedWidget(self)
        self.setup = self._setup_page()
        self.pages.addWidget(self.setup)
        self.job = BulkJobView(self)
        self.pages.addWidget(self.job)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self._fill_actions()
        self._connect()
        self._action_changed()
        self._show_page(self.setup)

    # ---- building -----------------------------------------------------------------------

    def _setup_page(self) -> QWidget:
        page = QWidget(self)
        self.action = QComboBox(page)
        self.params = ParamsEditor(page)
        self.role_note = text_label("", page)
        form = self.form = QFormLayout()
        form.addRow("&Action:", self.action)
        form.addRow("", self.params)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.role_note)
        layout.addWidget(self._scope_box(page))
        layout.addWidget(self._preview_box(page))
        layout.addStretch(1)  # a wrapped label measured narrower than shown leaves room here
        layout.addLayout(self._buttons(page))
        return page

    def _scope_box(self, page: QWidget) -> QGroupBox:
        box = QGroupBox("Apply to", page)
        self.scope_group = QButtonGroup(box)
        self.scope_buttons: dict[ScopeKind, QRadioButton] = {}
        column = QVBoxLayout(box)
        for kind in ScopeKind:
            button = QRadioButton(box)
            self.scope_group.addButton(button)
            self.scope_buttons[kind] = button
            column.addWidget(button)
        self.scope_note = text_label("", box)
        column.addWidget(self.scope_note)
        return box

    def _preview_box(self, page: QWidget) -> QGroupBox:
        box = QGroupBox("Preview", page)
        self.preview_label = text_label("Choose whom to apply it to, then preview.", box)
        self.preview_label.setObjectName("preview")
        self.preview_button = QPushButton("&Preview", box)
        self.preview_button.setAutoDefault(False)
        self.confirm_label = QLabel(box)
        self.confirm_edit = QLineEdit(box)
        self.confirm_edit.installEventFilter(self)
        confirm = QHBoxLayout()
        confirm.addWidget(self.confirm_label)
        confirm.addWidget(self.confirm_edit, 1)
        column = QVBoxLayout(box)
        top = QHBoxLayout()
        top.addWidget(self.preview_label, 1)
        top.addWidget(self.preview_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(top)
        column.addLayout(confirm)
        return box

    def _buttons(self, page: QWidget) -> QHBoxLayout:
        self.run_button = QPushButton("&Run", page)
        self.cancel_button = QPushButton("Cancel", page)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        return row

    def _fill_actions(self) -> None:
        verbs = fill_actions(self.action, self.role)
        if verbs:
            joined = ", ".join(verbs)
            self.role_note.setText(f"Your role ({self.role}) cannot {joined}: those need an admin.")
        self.role_note.setVisible(bool(verbs))

    def _connect(self) -> None:
        self.action.currentIndexChanged.connect(self._action_changed)
        self.params.changed.connect(self._stale)
        self.scope_group.buttonToggled.connect(lambda *_: self._stale())
        self.preview_button.clicked.connect(self._ask_preview)
        self.confirm_edit.textChanged.connect(self._update_run)
        self.run_button.clicked.connect(self._run)
        self.cancel_button.clicked.connect(self.reject)

    # ---- state --------------------------------------------------------------------------

    def current_action(self) -> BulkAction:
        return BULK_BY_KEY[str(self.action.currentData())]

    def choose(self, action_key: str, scope: ScopeKind | None = None) -> None:
        self.action.setCurrentIndex(self.action.findData(action_key))
        if scope is not None:
            self.scope_buttons[scope].setChecked(True)

    def chosen_scope(self) -> ScopeKind | None:
        return next((k for k, b in self.scope_buttons.items() if b.isChecked()), None)

    def set_counts(self, counts: ScopeCounts) -> None:
        for kind, count in (
            (ScopeKind.SELECTED, counts.selected),
            (ScopeKind.FILTER, counts.matching),
            (ScopeKind.ALL, counts.total),
        ):
            button = self.scope_buttons[kind]
            button.setText(f"{_SCOPE_MNEMONICS[kind]} ({users(count)})")
            button.setEnabled(count > 0)
        hidden = counts.hidden_selected
        self.scope_note.setText(
            f"{hidden:,} selected users hidden by the filters are not included." if hidden else ""
        )
        self.scope_note.setVisible(bool(hidden))

    def set_facets(self, facets: dict[str, set[str]]) -> None:
        self.params.set_facets(facets)

    def draft(self) -> tuple[BulkDraft | None, str | None]:
        """What is set up, or why it cannot be previewed yet."""
        action = self.current_action()
        params, problem = self.params.params(action)
        if problem:
            return None, problem
        scope = self.chosen_scope()
        if scope is None:
            return (
                None,
                "Choose whom to apply it to: selected users, users matching the filters or all users.",
            )
        return BulkDraft(action, scope, params), None

    def _action_changed(self) -> None:
        action = self.current_action()
        self.params.set_action(action)
        self.form.setRowVisible(self.params, action.params is not ParamKind.NONE)
        self._stale()

    def _stale(self) -> None:
        self.preview = self._previewed = None
        self._word = None
        draft, problem = self.draft()
        self.preview_label.setText(problem or "Preview to see what will change before it runs.")
        self.preview_button.setEnabled(draft is not None)
        self.confirm_edit.clear()
        self._update_run()

    def _ask_preview(self) -> None:
        draft, problem = self.draft()
        if draft is None:
            self.preview_label.setText(problem or "")
            return
        self.preview_label.setText("Asking the server what would change…")
        self.preview_button.setEnabled(False)
        self.preview_requested.emit(draft)

    def show_preview(self, draft: BulkDraft, preview: Preview, note: str = "") -> None:
        """The server's preview of `draft` (ignored when the set-up changed meanwhile)."""
        if self.draft()[0] != draft:
            return
        self.preview, self._previewed = preview, draft
        self._word = confirm_word(draft.action, preview)
        lines = preview_lines(preview, draft.action)
        self.preview_label.setText("\n".join([*lines, note] if note else lines))
        self.preview_button.setEnabled(True)
        self.run_button.setText(run_label(draft.action, preview))
        self._update_run()
        focus = self.run_button if self.run_button.isEnabled() else self.cancel_button
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_error(self, text: str) -> None:
        self.preview_label.setText(text)
        draft, _ = self.draft()
        self.preview_button.setEnabled(draft is not None)

    def _update_run(self) -> None:
        word = self._word
        self.confirm_label.setText(confirm_prompt(word) if word else "")
        self.confirm_label.setVisible(word is not None)
        self.confirm_edit.setVisible(word is not None)
        typed = word is None or self.confirm_edit.text().strip() == word
        ready = self.preview is not None and self.preview.will_change > 0 and typed
        self.run_button.setEnabled(ready)
        if self.preview is None:
            self.run_button.setText("&Run")

    def _run(self) -> None:
        if self.run_button.isEnabled() and self._previewed is not None:
            self._show_page(self.job)
            self.run_requested.emit(self._previewed)

    def _show_page(self, page: QWidget) -> None:
        """Size the dialog to the page shown (a stacked widget sizes to its biggest page)."""
        ignored, preferred = QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        for other in (self.setup, self.job):
            policy = preferred if other is page else ignored
            other.setSizePolicy(policy, policy)
        self.pages.setCurrentWidget(page)
        self.adjustSize()
        layout = self.layout()
        if page is self.setup and layout is not None and layout.hasHeightForWidth():
            self.resize(self.width(), layout.totalHeightForWidth(self.width()))
        if page is self.job:
            self.resize(max(self.width(), 640), max(self.height(), 560))

    def back_to_setup(self, action_key: str, scope: ScopeKind) -> None:
        """Set up a new run (e.g. a retry of the failed users)."""
        self._show_page(self.setup)
        self.job.reset()
        self.choose(action_key, scope)
        self._stale()

    # ---- keyboard -----------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.pages.currentIndex() == 0:
            self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in the confirmation field runs (when it matches) and never reaches Cancel.
        if watched is self.confirm_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in _RETURN:
                self._run()
                return True
        return super().eventFilter(watched, event)
