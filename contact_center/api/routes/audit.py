"""The audit log, filtered: who did what, to whom, when."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contact_center.api.dependencies import StoreDep, Who
from contact_center.api.schemas import Instant, RowId, Text, epoch_seconds
from contact_center.domain.audit import read_audit

router = APIRouter(prefix="/api/v1")


def _epoch(value: Instant | None) -> float | None:
    return None if value is None else epoch_seconds(value)


@router.get("/audit", tags=["audit"])
def get_audit(
    store: StoreDep,
    who: Who,
    user_id: RowId | None = None,
    actor: Annotated[Text | None, Query(max_length=64)] = None,
    action: Annotated[Text | None, Query(max_length=32)] = None,
    job_id: RowId | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
) -> list[dict[str, Any]]:
    with store.read() as conn:
        return read_audit(
            conn,
            user_id=user_id,
            actor=actor,
            action=action,
            job_id=job_id,
            since=_epoch(since),
            until=_epoch(until),
            limit=limit,
        )
