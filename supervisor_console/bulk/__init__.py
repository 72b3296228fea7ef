"""Bulk jobs without Qt: the actions, scopes, the job over HTTP, and what the dialog says."""

from supervisor_console.bulk.catalogue import (
    BULK_ACTIONS,
    BULK_BY_KEY,
    DELETE_WORD,
    ROLES,
    BulkAction,
    Danger,
    ParamKind,
)
from supervisor_console.bulk.job import (
    POLL_INTERVAL,
    BulkClient,
    JobState,
    Preview,
    UserResult,
    cancel,
    fetch,
    follow,
    preview,
    submit,
)
from supervisor_console.bulk.scope import (
    SCOPE_LABELS,
    BulkRequest,
    Scope,
    ScopeKind,
    make_scope,
    server_filter,
)

__all__ = [
    "BULK_ACTIONS",
    "BULK_BY_KEY",
    "DELETE_WORD",
    "POLL_INTERVAL",
    "ROLES",
    "SCOPE_LABELS",
    "BulkAction",
    "BulkClient",
    "BulkRequest",
    "Danger",
    "JobState",
    "ParamKind",
    "Preview",
    "Scope",
    "ScopeKind",
    "UserResult",
    "cancel",
    "fetch",
    "follow",
    "make_scope",
    "preview",
    "server_filter",
    "submit",
]
