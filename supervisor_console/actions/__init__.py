"""The single-user actions: rules, confirmations, API calls and messages, without Qt.

The context menu, shortcuts, detail pane buttons and the bulk dialog all use these units.
"""

from supervisor_console.actions.base import (
    ApiCall,
    Availability,
    Confirmation,
    DialogKind,
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
    "MenuItem",
    "Outcome",
    "OutcomeKind",
    "RetryPolicy",
    "UserAction",
    "action",
    "execute",
    "menu_items",
]
