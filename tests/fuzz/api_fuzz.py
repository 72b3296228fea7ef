"""Schemathesis against the backend's own /openapi.json, signed in as an admin.

Every operation of the document gets positive and negative cases (Hypothesis, through
schemathesis' strategies), sent to the real server on 127.0.0.1. Checks: no 5xx, answers
match the schema of their documented status, and the documented content type.

The fuzzing admin is an extra admin with a large id, so that generated path ids rarely
hit it; when a case does lock it out anyway (deleted, deactivated, logged out, its
password reset, or a bulk job over everyone), it is put back and given a fresh token.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy import select, update

from contact_center.domain import auth
from contact_center.sim.seed import _user
from contact_center.storage.tables import users
from contact_center.testing.server import ServerThread

FUZZ_ADMIN_ID = 987_654_321
FUZZ_ADMIN = "fuzz-admin"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@dataclass
class FuzzReport:
    cases: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    reprovisioned: int = 0
    unsatisfiable: list[str] = field(default_factory=list)


class FuzzAdmin:
    """An admin account kept usable for the whole run."""

    def __init__(self, server: ServerThread) -> None:
        self.server = server
        self.token = ""
        self.ensure()

    def ensure(self) -> None:
        store = self.server.store
        assert store is not None
        with store.write() as conn:
            found = conn.execute(select(users.c.id).where(users.c.id == FUZZ_ADMIN_ID)).first()
            if found is None:
                row = _user(FUZZ_ADMIN_ID, FUZZ_ADMIN, "Fuzz", "Admin", "admin", time.time(),
                            random.Random(1), None)  # fmt: skip
                conn.execute(users.insert().values(**row))
            conn.execute(
                update(users)
                .where(users.c.id == FUZZ_ADMIN_ID)
                .values(active=True, role="admin", username=FUZZ_ADMIN)
            )
            self.token, _ = auth.issue_token(conn, FUZZ_ADMIN_ID)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def usable(self, session: requests.Session) -> bool:
        url = f"{self.server.base_url}/api/v1/users/{FUZZ_ADMIN_ID}"
        answer = session.get(url, headers=self.headers(), timeout=10)
        return answer.status_code == 200 and answer.json().get("role") == "admin"


def fuzz(server: ServerThread, examples_per_mode: int, seed: int = 0) -> FuzzReport:
    """Run `examples_per_mode` positive and as many negative cases per operation."""
    report = FuzzReport()
    admin = FuzzAdmin(server)
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # the document itself is broken here: that is a finding
            report.failures.append(f"invalid operation in /openapi.json: {result.err()}")
        else:
            operations.append(result.ok())
    with requests.Session() as session:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz_operation(server, operation, mode, examples_per_mode, seed, session, admin,
                                report)  # fmt: skip
    return report


def _fuzz_operation(
    server: ServerThread,
    operation: Any,
    mode: GenerationMode,
    examples: int,
    seed: int,
    session: requests.Session,
    admin: FuzzAdmin,
    report: FuzzReport,
) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    # A valid long poll waits up to 30 s when nothing changes: keep positive ones short.
    fixed = {"query": {"wait": 0.2}} if label.endswith("/changes") and mode.is_positive else {}
    strategy = operation.as_strategy(generation_mode=mode, **fixed)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed == 0,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(base_url=server.base_url, session=session, headers=admin.headers(),
                             timeout=30)  # fmt: skip
        report.cases += 1
        report.by_operation[label] += 1
        report.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as exc:
            found = getattr(exc, "exceptions", None) or [exc]
            for failure in found:
                title = getattr(failure, "title", None) or str(failure).split("\n")[0]
                report.failures.append(
                    f"{label} [{mode.value}] -> {response.status_code}: {title}: "
                    f"{response.text[:300]}"
                )
        locked_out = response.status_code in (401, 403) or label.endswith("/auth/logout")
        if locked_out and not admin.usable(session):
            admin.ensure()
            report.reprovisioned += 1

    if seed:
        run = hypothesis.seed(seed)(run)
    try:
        run()
    except Unsatisfiable:  # e.g. negative cases of an operation without inputs
        report.unsatisfiable.append(f"{label} [{mode.value}]")
