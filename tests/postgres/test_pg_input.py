"""The API's input bounds match what PostgreSQL stores (issue 12, item 5).

The HTTP tests of tests/backend/test_input_hardening.py run here too (through
test_pg_backend_suite.py): NUL in text, ids past 32 bits, generic errors. This module checks
the premise they rely on: every column an id from a request is compared with has the type
whose range the API enforces, so a schema change that widens or narrows one is noticed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from contact_center.api.schemas import MAX_BIG, MAX_ROW_ID
from contact_center.storage.engine import make_engine

# Columns compared with a RowId (1 .. 2**31-1): user and bulk job ids.
ROW_ID_COLUMNS = [
    ("users", "id"),
    ("sessions", "user_id"),
    ("calls", "user_id"),
    ("audit", "target_id"),
    ("audit", "job_id"),
    ("bulk_jobs", "id"),
    ("bulk_items", "job_id"),
    ("bulk_items", "user_id"),
]
# Columns compared with a BigId (0 .. 2**63-1): session ids, versions, feed cursors.
BIG_ID_COLUMNS = [
    ("sessions", "id"),
    ("users", "version"),
    ("bulk_items", "expected_version"),
    ("changes", "seq"),
    ("feed_state", "seq"),
]
LIMITS = {"integer": 2**31 - 1, "bigint": 2**63 - 1}


@pytest.mark.parametrize(
    ("table", "column", "bound"),
    [(t, c, MAX_ROW_ID) for t, c in ROW_ID_COLUMNS] + [(t, c, MAX_BIG) for t, c in BIG_ID_COLUMNS],
)
def test_id_bounds_are_the_column_types(pg_db: str, table: str, column: str, bound: int) -> None:
    engine = make_engine(pg_db)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT data_type FROM information_schema.columns "
                    "WHERE table_name = :t AND column_name = :c"
                ),
                {"t": table, "c": column},
            ).scalar_one()
    finally:
        engine.dispose()
    assert LIMITS[found] == bound, (table, column, found)


def test_postgres_text_refuses_nul(pg_db: str) -> None:
    """Why NUL is refused with a 422 on both databases: PostgreSQL cannot store it."""
    engine = make_engine(pg_db)
    try:
        with engine.connect() as conn, pytest.raises(Exception, match=r"NUL|0x00"):
            conn.execute(text("SELECT CAST(:v AS text)"), {"v": "A\x00B"})
    finally:
        engine.dispose()
