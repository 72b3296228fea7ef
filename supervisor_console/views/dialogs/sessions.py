"""Force logout of one session: the user's sessions (from /users/{id}/sessions), pick one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from supervisor_console.actions.audit_text import when_text
from supervisor_console.actions.params import LogoutParams
from supervisor_console.api.types import UserRow
from supervisor_console.models.sessions import cell_text
from supervisor_console.views.dialogs.common import ActionDialog, text_label

_COLUMNS = ["Session", "Kind", "Client", "Address", "Started", "Last seen"]


class SessionPickerDialog(ActionDialog):
    def __init__(
        self, row: UserRow, sessions: list[dict[str, Any]], parent: QWidget | None = None
    ) -> None:
        super().__init__(row, "Force logout one session", "Confirm", parent)
        self.question = text_label(f"Log out {row.name} from the session chosen below?", self)
        self.body.addWidget(self.question)
        self.list = QTreeWidget(self)
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels(_COLUMNS)
        for session in sessions:
            item = QTreeWidgetItem(
                [
                    str(session.get("id", "")),
                    cell_text(session, "kind"),
                    str(session.get("client", "")),
                    str(session.get("address") or ""),
                    when_text(session.get("started_at")),
                    when_text(session.get("last_seen")),
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, session.get("id"))
            self.list.addTopLevelItem(item)
        self.list.setMaximumHeight(140)
        self.body.addWidget(self.list)
        note = "This is their only session: they will show Offline." if len(sessions) == 1 else ""
        self.note = text_label(note or "The other sessions stay signed in.", self)
        self.body.addWidget(self.note)
        self.finish_layout()
        self.list.currentItemChanged.connect(self._sync)
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
        self._sync()

    def value(self) -> LogoutParams:
        return self.params()

    def params(self) -> LogoutParams:
        item = self.list.currentItem()
        session = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        return LogoutParams(session_id=int(session) if session is not None else None)

    def _sync(self) -> None:
        self.confirm_button.setEnabled(self.params().session_id is not None)
