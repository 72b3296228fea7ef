"""The single-user actions: rules, confirmations, API calls and messages, without Qt.

The context menu, shortcuts, detail pane buttons and the bulk dialog all use these units;
`flow.ActionFlow` runs any of them from its dialog to its outcome. Adding an action: its
unit (a module here, listed in `catalogue.py`), its dialog if it needs a new kind
(`DialogKind` and one entry in views/dialogs/runner.py), and the backend route.
"""

from supervisor_console.actions.base import (
    ApiCall,
    Availability,
    Confirmation,
    DialogKind,
    MenuAction,
    NavigationAction,
    Prepared,
    UserAction,
)
from supervisor_console.actions.catalogue import BY_KEY, CATALOGUE, MenuItem, action, menu_items
from supervisor_console.actions.execute import (
    ActionClient,
    Outcome,
    OutcomeKind,
    RetryPolicy,
    execute,
)

__all__ = [
    "BY_KEY",
    "CATALOGUE",
    "ActionClient",
    "ApiCall",
    "Availability",
    "Confirmation",
    "DialogKind",
    "MenuAction",
    "MenuItem",
    "NavigationAction",
    "Outcome",
    "OutcomeKind",
    "Prepared",
    "RetryPolicy",
    "UserAction",
    "action",
    "execute",
    "menu_items",
]
