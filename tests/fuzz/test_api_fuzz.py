"""Schemathesis against the backend's own /openapi.json, authenticated as an admin:
no 5xx, no answer that breaks the schema of its documented status or content type.

The smoke (a few cases per operation and mode, deterministic) runs in `make test`; the
long variant (thousands of cases, random) with --runslow.
"""

from __future__ import annotations

import random

import pytest

from contact_center.testing.server import ServerThread
from tests.fuzz.api_fuzz import FuzzReport, fuzz


def check(report: FuzzReport, at_least: int) -> None:
    assert report.failures == [], "\n".join(report.failures[:20])
    assert not [code for code in report.statuses if code >= 500]
    assert report.cases >= at_least, report.by_operation
    # Every operation of the document was exercised.
    assert len(report.by_operation) >= 20, sorted(report.by_operation)


def test_fuzz_smoke(server: ServerThread) -> None:
    report = fuzz(server, examples_per_mode=3)
    check(report, at_least=100)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_fuzz_long(server: ServerThread) -> None:
    seed = random.randrange(1, 2**32)
    report = fuzz(server, examples_per_mode=120, seed=seed)
    print(f"seed {seed}: {report.cases} cases, statuses {dict(report.statuses)}")
    check(report, at_least=2000)
