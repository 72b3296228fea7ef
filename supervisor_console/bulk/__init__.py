"""Bulk jobs without Qt: the actions, scopes, the job's calls to the server, and what the
dialog says."""

from supervisor_console.api.types import JobState, Preview, UserResult
from supervisor_console.bulk.catalogue import (
    BULK_ACTIONS,
    BULK_BY_KEY,
    DELETE_WORD,
    ROLES,
    BulkAction,
    Danger,
    ParamKind,
)
from supervisor_console.bulk.endpoints import (
    POLL_INTERVAL,
    BulkClient,
    cancel,
    fetch,
    follow,
    preview,
    submit,
)
from supervisor_console.bulk.scope import (
    SCOPE_LABELS,
    BulkDraft,
    BulkRequest,
    Scope,
    ScopeCounts,
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
    "BulkDraft",
    "BulkRequest",
    "Danger",
    "JobState",
    "ParamKind",
    "Preview",
    "Scope",
    "ScopeCounts",
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
