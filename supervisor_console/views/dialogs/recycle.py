"""Reset and recycle: the options, the new user's details, a review, then Reset
(docs/console-notes.md, 3.3)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from supervisor_console.actions.params import RESET_OPTIONS, RecycleInfo, ResetOptions
from supervisor_console.actions.recycle import CAUTION, review_lines
from supervisor_console.api.types import UserRow
from supervisor_console.views.dialogs.common import ActionDialog, bullets, fit_height, text_label

OPTIONS, DETAILS, REVIEW = 0, 1, 2
_ERROR_STYLE = "color: #a4262c;"
_HINT_STYLE = "color: palette(placeholder-text); margin-left: 22px;"


def _caution(parent: QWidget) -> QLabel:
    label = text_label(CAUTION, parent, bold=True)
    label.setStyleSheet(_ERROR_STYLE)
    return label


class RecycleDialog(ActionDialog):
    def __init__(self, row: UserRow, parent: QWidget | None = None) -> None:
        super().__init__(row, "Reset and recycle", "Next", parent)
        self.setMinimumWidth(600)  # each option's explanation fits on one line
        # Only the current page is visible, so the dialog sizes to it (a QStackedWidget
        # would keep the tallest page's height).
        self.pages: list[QWidget] = []
        self.page = OPTIONS
        self.checks: dict[str, QCheckBox] = {}
        self.fields: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        for page in (self._options_page(), self._details_page(), self._review_page()):
            self.pages.append(page)
            self.body.addWidget(page)
        self.back_button = QPushButton("&Back", self)
        self.buttons.addButton(self.back_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.back_button.clicked.connect(self.go_back)
        self.finish_layout()
        self._show_page(OPTIONS)

    # ---- pages ----------------------------------------------------------------------

    def _options_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_caution(page))
        layout.addWidget(text_label("Select each of the items to reset:", page))
        for option in RESET_OPTIONS:
            # Alt+U ticks "Recycle User": the step most people come here for.
            label = "Recycle &User" if option.name == "recycle" else option.label
            check = QCheckBox(label, page)
            hint = text_label(option.explanation, page)
            hint.setWordWrap(False)  # one line each, as on the reset page
            hint.setStyleSheet(_HINT_STYLE)
            self.checks[option.name] = check
            layout.addWidget(check)
            layout.addWidget(hint)
        layout.addStretch(1)
        return page

    def _details_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(text_label("The new user of this seat:", page))
        form = QFormLayout()
        for name, label in (("first_name", "First name"), ("last_name", "Last name"),
                            ("email", "Email (optional)")):  # fmt: skip
            field = QLineEdit(page)
            field.setObjectName(f"recycle_{name}")
            field.setMaxLength(254 if name == "email" else 100)
            error = QLabel(page)
            error.setStyleSheet(_ERROR_STYLE)
            error.hide()
            field.textEdited.connect(self._validate_details)
            self.fields[name], self.errors[name] = field, error
            form.addRow(f"{label}:", field)
            form.addRow("", error)
        layout.addLayout(form)
        self.welcome = QCheckBox("Send welcome email", page)
        self.welcome.setChecked(True)
        self.welcome.setToolTip("The new user gets their login and a link to set a password.")
        layout.addWidget(self.welcome)
        self.keep = QCheckBox("&Keep skills, tags and desks", page)
        self.keep.setToolTip("Otherwise the new user starts with none.")
        layout.addWidget(self.keep)
        self._welcome_wanted = True
        self.fields["email"].textChanged.connect(self._sync_welcome)
        self._sync_welcome("")
        layout.addStretch(1)  # the pages share the tallest page's height: keep them on top
        return page

    def _review_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(text_label(f"Review what will happen to {self.row.name}:", page))
        self.review = bullets([], page)
        self.review.setObjectName("review")
        layout.addWidget(self.review)
        layout.addWidget(_caution(page))
        layout.addStretch(1)
        return page

    # ---- navigation -----------------------------------------------------------------

    def value(self) -> ResetOptions:
        return self.options()

    def options(self) -> ResetOptions:
        flags = {name: check.isChecked() for name, check in self.checks.items()}
        recycle = None
        if flags.pop("recycle"):
            recycle = RecycleInfo(
                self.fields["first_name"].text(), self.fields["last_name"].text(),
                self.fields["email"].text(), self.welcome.isChecked(), self.keep.isChecked(),
            )  # fmt: skip
        return ResetOptions(**flags, recycle=recycle)

    def restore(self, value: Any) -> None:
        """The options and details of an earlier attempt, shown at the review."""
        assert isinstance(value, ResetOptions)
        for name, check in self.checks.items():
            check.setChecked(
                value.recycle is not None if name == "recycle" else getattr(value, name)
            )
        if value.recycle is not None:
            self.fields["first_name"].setText(value.recycle.first_name)
            self.fields["last_name"].setText(value.recycle.last_name)
            self.fields["email"].setText(value.recycle.email)
            self.welcome.setChecked(value.recycle.send_welcome_email)
            self.keep.setChecked(value.recycle.keep_assignments)
        self._show_page(REVIEW)

    def on_confirm(self) -> None:
        page = self.page
        if page == OPTIONS:
            self._show_page(DETAILS if self.checks["recycle"].isChecked() else REVIEW)
        elif page == DETAILS:
            if self._validate_details(show_all=True):
                self._show_page(REVIEW)
        else:
            self.accept()

    def go_back(self) -> None:
        page = self.page
        recycling = self.checks["recycle"].isChecked()
        self._show_page(DETAILS if page == REVIEW and recycling else OPTIONS)

    def _show_page(self, page: int) -> None:
        if page == REVIEW:
            self.review.setText(
                "\n".join(f"•  {x}" for x in review_lines(self.row, self.options()))
            )
        self.page = page
        for index, widget in enumerate(self.pages):
            widget.setVisible(index == page)
        fit_height(self)
        self.back_button.setEnabled(page != OPTIONS)
        self.confirm_button.setText("&Reset" if page == REVIEW else "&Next")
        self.cancel_button.setFocus()
        if page == DETAILS:
            self.fields["first_name"].setFocus()

    def _sync_welcome(self, email: str) -> None:
        """No email, no welcome email (seed 003: "If the new user has an email address…")."""
        has_email = bool(email.strip())
        if self.welcome.isEnabled() and not has_email:
            self._welcome_wanted = self.welcome.isChecked()  # given back with an email
        self.welcome.setChecked(has_email and self._welcome_wanted)
        self.welcome.setEnabled(has_email)
        self.welcome.setToolTip(
            "The new user gets their login and a link to set a password."
            if has_email
            else "Enter an email address to send a welcome email."
        )

    def _validate_details(self, *_args: object, show_all: bool = False) -> bool:
        info = self.options().recycle
        problems = info.problems() if info is not None else {}
        for name, error in self.errors.items():
            touched = show_all or bool(self.fields[name].text())
            error.setText(problems.get(name, ""))
            error.setVisible(touched and name in problems)
        return not problems
