"""Is the API up."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")


@router.get("/health", tags=["meta"])
def health() -> dict[str, str]:
    return {"status": "ok"}
