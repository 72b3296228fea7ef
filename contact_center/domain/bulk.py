"""Bulk jobs: one job for many users, run in chunks on a worker thread.

Each user goes through the same `run_action` as a single-user request, in a savepoint, so
one user's failure never undoes another's change; every change is audited under the job.
Scope, preview, skip reasons and cancel: docs/rules.md, "Bulk jobs".
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from contact_center.domain import authority
from contact_center.domain.actions import run_action
from contact_center.domain.authority import Actor
from contact_center.domain.bulk_batch import Outcome, run_batch
from contact_center.domain.errors import ConflictError, ForbiddenError, NotFoundError, RefusedError
from contact_center.domain.outbox import MailSettings
from contact_center.domain.rules import ACTIONS
from contact_center.storage.clock import iso, now
from contact_center.storage.rows import Row, user_name, user_rows
from contact_center.storage.store import Store
from contact_center.storage.tables import bulk_items, bulk_jobs

CHUNK = 250
log = logging.getLogger(__name__)


def is_stuck(row: Row) -> bool:
    return row["status"] in ("busy", "unavailable") and row["live_call"] is None


def search_matches(search: str, fields: Sequence[str | None]) -> bool:
    """The panel's search, word for word the console's (docs/rules.md, "Search"): every
    word of `search` is a case-folded substring of one of the fields."""
    values = [value.casefold() for value in fields if value]
    return all(any(word in value for value in values) for word in search.casefold().split())


def matches(row: Row, f: dict[str, Any]) -> bool:
    """The console's filters, applied on the server for a filter-scoped job."""
    if f.get("search") and not search_matches(
        f["search"],
        (
            user_name(row["first_name"], row["last_name"], row["username"]),
            row["username"], row["email"], row["extension"], row["phone_number"],
        ),
    ):  # fmt: skip
        return False
    checks: list[tuple[Any, Callable[[Any], bool]]] = [
        (f.get("statuses"), lambda v: row["status"] in v),
        (f.get("desk"), lambda v: v in row["desks"]),
        (f.get("role"), lambda v: row["role"] == v),
        (f.get("skill"), lambda v: v in row["skills"]),
        (f.get("tag"), lambda v: v in row["tags"]),
    ]
    if any(value and not test(value) for value, test in checks):
        return False
    if f.get("active") is not None and row["active"] != f["active"]:
        return False
    return not (f.get("stuck") and not is_stuck(row))


def resolve_scope(conn: Connection, scope: dict[str, Any]) -> list[Row]:
    rows = user_rows(conn)
    if scope["kind"] == "all":
        return rows
    if scope["kind"] == "filter":
        return [r for r in rows if matches(r, scope["filter"])]
    by_id = {r["id"]: r for r in rows}
    wanted = list(dict.fromkeys(scope["ids"]))
    return [by_id[i] for i in wanted if i in by_id]


def preview(
    store: Store, action: str, scope: dict[str, Any], params: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    """What the job would do, by the same checks on each target as the job's own."""
    spec = ACTIONS[action]
    with store.read() as conn:
        rows = resolve_scope(conn, scope)
    skipped: Counter[str] = Counter()
    live = going_on = 0
    for row in rows:
        try:
            authority.check_target(action, spec.verb, row, actor)
            spec.check(row, params)
        except RefusedError as exc:
            skipped[exc.reason] += 1
            continue
        if row["live_call"] is None:
            continue
        if disconnects(action, row, params):
            live += 1
        elif action == "set-status":
            going_on += 1
    # A repeated id is one user, as in the job itself.
    missing = len(set(scope["ids"])) - len(rows) if scope["kind"] == "ids" else 0
    if missing > 0:
        skipped["no such user"] += missing
    total = len(rows) + max(missing, 0)
    answer: dict[str, Any] = {
        "total": total,
        "will_change": total - sum(skipped.values()),
        "skipped": dict(skipped),
        "live_calls": live,
    }
    if action == "set-status":
        answer["calls_continue"] = going_on
    return answer


def disconnects(action: str, row: Row, params: dict[str, Any]) -> bool:
    """Would the action end this user's live call? (A recycle does; a plain reset does not.)"""
    if action == "reset":
        return str(row["id"]) in (params.get("recycle_details") or {})
    return ACTIONS[action].disconnects_calls


def create_job(
    store: Store,
    actor: str,
    action: str,
    scope: dict[str, Any],
    params: dict[str, Any],
    expected: dict[int, int] | None,
) -> tuple[int, int]:
    with store.write() as conn:
        rows = resolve_scope(conn, scope)
        job_id = conn.execute(
            bulk_jobs.insert().values(
                action=action, actor=actor, params=params, state="queued", total=len(rows),
                done=0, skipped=0, failed=0, cancel_requested=False, created_at=now(),
            )
        ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
        items = [
            {
                "job_id": job_id,
                "position": i,
                "user_id": r["id"],
                "expected_version": (expected or {}).get(r["id"]),
                "name": user_name(r["first_name"], r["last_name"], r["username"]),
                "outcome": "pending",
                "reason": None,
            }
            for i, r in enumerate(rows)
        ]
        if items:
            conn.execute(bulk_items.insert(), items)
    return int(job_id), len(rows)


class BulkRunner:
    """Runs queued jobs one after another on a background thread."""

    def __init__(
        self,
        store: Store,
        mail: MailSettings | None = None,
        after_chunk: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.mail = mail  # where a bulk reset's welcome emails go
        self._after_chunk = after_chunk  # e.g. wake the outbox worker
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bulk-jobs", daemon=True)
        self._budget: int | None = None  # chunks left to run before waiting; None: no limit
        self._budget_changed = threading.Condition()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def submit(self) -> None:
        self._wake.set()

    def limit_chunks(self, chunks: int | None) -> None:
        """Run at most `chunks` more chunks, then wait until the limit is raised (None: no
        limit, the default). Lets a test cancel a job that is certain to be mid-way."""
        with self._budget_changed:
            self._budget = chunks
            self._budget_changed.notify_all()

    def _may_run_chunk(self) -> bool:
        """Wait while the chunk budget is spent; False when stopping."""
        with self._budget_changed:
            while self._budget == 0 and not self._stop.is_set():
                self._budget_changed.wait(0.1)
            if self._budget is not None:
                self._budget -= 1
        return not self._stop.is_set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            while not self._stop.is_set() and (job := self._next_job()) is not None:
                self._run(job)

    def _next_job(self) -> dict[str, Any] | None:
        with self.store.read() as conn:
            row = conn.execute(
                select(bulk_jobs)
                .where(bulk_jobs.c.state.in_(["queued", "running"]))
                .order_by(bulk_jobs.c.id)
                .limit(1)
            ).first()
        return None if row is None else dict(row._mapping)

    def _run(self, job: dict[str, Any]) -> None:
        with self.store.write() as conn:
            # Only from queued: another instance may have finished it since it was picked.
            conn.execute(
                update(bulk_jobs)
                .where(bulk_jobs.c.id == job["id"], bulk_jobs.c.state == "queued")
                .values(state="running")
            )
        while self._may_run_chunk():
            more = self._run_chunk(job)
            if self._after_chunk is not None:
                self._after_chunk()
            if not more:
                break

    def _run_chunk(self, job: dict[str, Any]) -> bool:
        """Process the next chunk of pending items; False when the job is finished."""
        spec = ACTIONS[job["action"]]
        with self.store.write() as conn:
            authority.lock_if_needed(conn, job["action"])
            # Locks the job row until this chunk commits: with several instances (PostgreSQL)
            # every runner may pick the same job, and they take its chunks in turn.
            cancel = conn.execute(
                select(bulk_jobs.c.cancel_requested)
                .where(bulk_jobs.c.id == job["id"])
                .with_for_update()
            ).scalar_one()
            pending = conn.execute(
                select(bulk_items)
                .where(bulk_items.c.job_id == job["id"], bulk_items.c.outcome == "pending")
                .order_by(bulk_items.c.position)
                .limit(CHUNK)
            ).all()
            if cancel or not pending:
                _finish(conn, job["id"], "cancelled" if cancel else "done")
                return False
            # The creator's authority now, not when they queued the job.
            try:
                actor = authority.current_actor(
                    conn, job["actor"], admin_only=spec.admin_only, verb=spec.verb
                )
            except ForbiddenError as exc:
                why = f"cancelled: {job['actor']} can no longer {spec.verb} ({exc.reason})"
                _finish(conn, job["id"], "cancelled", why)
                return False
            outcomes = _run_pending(conn, job, pending, actor, self.mail)
            counts = Counter(outcome for outcome, _reason in outcomes)
            conn.execute(
                update(bulk_items)
                .where(
                    bulk_items.c.job_id == job["id"],
                    bulk_items.c.position == bindparam("pos"),
                )
                .values(outcome=bindparam("out"), reason=bindparam("why")),
                [
                    {"pos": item.position, "out": outcome, "why": reason}
                    for item, (outcome, reason) in zip(pending, outcomes, strict=True)
                ],
            )
            conn.execute(
                update(bulk_jobs)
                .where(bulk_jobs.c.id == job["id"])
                .values(
                    done=bulk_jobs.c.done + counts["done"],
                    skipped=bulk_jobs.c.skipped + counts["skipped"],
                    failed=bulk_jobs.c.failed + counts["failed"],
                )
            )
        return True


def _run_pending(
    conn: Connection,
    job: dict[str, Any],
    pending: Sequence[Any],
    actor: Actor,
    mail: MailSettings | None,
) -> list[Outcome]:
    """The whole chunk at once; if anything unexpected fails, user by user in savepoints."""
    items = [(item.user_id, item.expected_version) for item in pending]
    try:
        with conn.begin_nested():
            return run_batch(
                conn, job["action"], items, actor, dict(job["params"]), job["id"], mail
            )
    except Exception:  # noqa: BLE001 - any failure: the batch is rerun one user at a time
        return [_run_item(conn, job, item, mail) for item in pending]


def _run_item(
    conn: Connection, job: dict[str, Any], item: Any, mail: MailSettings | None
) -> tuple[str, str | None]:
    try:
        with conn.begin_nested():
            run_action(
                conn, job["action"], item.user_id, job["actor"], dict(job["params"]),
                expected_version=item.expected_version, job_id=job["id"], mail=mail,
            )  # fmt: skip
    except RefusedError as exc:
        return "skipped", exc.reason
    except ConflictError as exc:
        return "skipped", str(exc).removesuffix(" Nothing was done.")
    except NotFoundError:
        return "skipped", "user no longer exists"
    except Exception:  # a failure for one user must not stop the job
        # The exception's text names SQL and its parameters: the log gets it, clients don't.
        log.exception("bulk job %s: %s of user %s failed", job["id"], job["action"], item.user_id)
        return "failed", f"internal error; see the server log (bulk job {job['id']})"
    return "done", None


def _finish(conn: Connection, job_id: int, state: str, reason: str = "cancelled") -> None:
    if state == "cancelled":
        left = conn.execute(
            update(bulk_items)
            .where(bulk_items.c.job_id == job_id, bulk_items.c.outcome == "pending")
            .values(outcome="skipped", reason=reason[:300])
        ).rowcount
        conn.execute(
            update(bulk_jobs)
            .where(bulk_jobs.c.id == job_id)
            .values(skipped=bulk_jobs.c.skipped + left)
        )
    conn.execute(
        update(bulk_jobs)
        .where(bulk_jobs.c.id == job_id, bulk_jobs.c.state.in_(["queued", "running"]))
        .values(state=state, finished_at=now())
    )


def job_view(store: Store, job_id: int, *, with_results: bool = True) -> dict[str, Any] | None:
    with store.read() as conn:
        job = conn.execute(select(bulk_jobs).where(bulk_jobs.c.id == job_id)).first()
        if job is None:
            return None
        results = []
        if with_results:
            results = [
                {"user_id": r.user_id, "name": r.name, "outcome": r.outcome, "reason": r.reason}
                for r in conn.execute(
                    select(bulk_items)
                    .where(bulk_items.c.job_id == job_id)
                    .order_by(bulk_items.c.position)
                )
            ]
    return {
        "id": job.id, "action": job.action, "actor": job.actor, "state": job.state,
        "total": job.total, "done": job.done, "skipped": job.skipped, "failed": job.failed,
        "created_at": iso(job.created_at), "finished_at": iso(job.finished_at), "results": results,
    }  # fmt: skip


def request_cancel(store: Store, job_id: int) -> bool:
    with store.write() as conn:
        n = conn.execute(
            update(bulk_jobs)
            .where(bulk_jobs.c.id == job_id, bulk_jobs.c.state.in_(["queued", "running"]))
            .values(cancel_requested=True)
        ).rowcount
        exists = conn.execute(select(func.count()).where(bulk_jobs.c.id == job_id)).scalar_one()
    return bool(n) or bool(exists)
