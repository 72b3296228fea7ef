"""The bulk job over HTTP: preview, submit, follow its progress, cancel. No Qt.

`follow` polls `GET /bulk-jobs/{id}` every `interval` seconds (after each answer, so a slow
server is never asked twice at once) and reports every state to a callback. A job answer
carries every user's result; a big one is decoded in a thread, off the GUI loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from supervisor_console.api import decode
from supervisor_console.api.errors import MalformedResponse
from supervisor_console.bulk.scope import BulkRequest

POLL_INTERVAL = 0.25
_THREAD_PARSE_BYTES = 256 * 1024
FINISHED = frozenset({"done", "cancelled"})


class BulkClient(Protocol):
    async def request(
        self, method: str, path: str, *, json: Any = None, parse: bool = True
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class Preview:
    total: int
    will_change: int
    skipped: dict[str, int]
    live_calls: int

    @classmethod
    def from_json(cls, data: Any) -> Preview:
        try:
            skipped = {str(k): int(v) for k, v in dict(data["skipped"]).items()}
            return cls(
                int(data["total"]), int(data["will_change"]), skipped, int(data["live_calls"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponse(f"bad bulk preview: {exc}") from exc

    @property
    def skipped_count(self) -> int:
        return sum(self.skipped.values())


@dataclass(frozen=True, slots=True)
class UserResult:
    user_id: int
    name: str
    outcome: str  # pending / done / skipped / failed
    reason: str


@dataclass(frozen=True, slots=True)
class JobState:
    id: int
    action: str
    state: str  # queued / running / done / cancelled
    total: int
    done: int
    skipped: int
    failed: int
    results: tuple[UserResult, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> JobState:
        try:
            results = tuple(
                UserResult(int(r["user_id"]), str(r["name"]), str(r["outcome"]), r["reason"] or "")
                for r in data.get("results") or ()
            )
            total, done, skipped, failed = (
                int(data[k]) for k in ("total", "done", "skipped", "failed")
            )
            ident = int(data["id"])
            return cls(
                ident,
                str(data["action"]),
                str(data["state"]),
                total,
                done,
                skipped,
                failed,
                results,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MalformedResponse(f"bad bulk job: {exc}") from exc

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def processed(self) -> int:
        return self.done + self.skipped + self.failed

    def ids_with(self, outcome: str) -> list[int]:
        return [r.user_id for r in self.results if r.outcome == outcome]


async def preview(client: BulkClient, request: BulkRequest) -> Preview:
    return Preview.from_json(
        await client.request("POST", "/bulk-jobs/preview", json=request.body())
    )


async def submit(client: BulkClient, request: BulkRequest, versions: dict[str, int]) -> int:
    """Start the job with the versions the supervisor previewed; returns its id."""
    answer = await client.request("POST", "/bulk-jobs", json=request.body(versions))
    try:
        return int(answer["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(f"bad bulk job answer: {exc}") from exc


async def fetch(client: BulkClient, job_id: int) -> JobState:
    """The job as it is now; the per-user results only once it has finished.

    Polls ask for the counts alone (`results=false`): a 10,000-user job's results are ~1 MB
    and decoding them four times a second would make the GUI stutter.
    """
    path = f"/bulk-jobs/{int(job_id)}"
    state = JobState.from_json(await client.request("GET", f"{path}?results=false"))
    if not state.finished:
        return state
    body = await client.request("GET", path, parse=False)
    if len(body) >= _THREAD_PARSE_BYTES:
        return await asyncio.to_thread(_parse_job, body)
    return _parse_job(body)


def _parse_job(body: bytes) -> JobState:
    return JobState.from_json(decode.loads(body))


async def cancel(client: BulkClient, job_id: int) -> JobState:
    """Ask the server to skip what has not started; the job answers as it is now."""
    return JobState.from_json(await client.request("POST", f"/bulk-jobs/{int(job_id)}/cancel"))


async def follow(
    client: BulkClient,
    job_id: int,
    on_progress: Callable[[JobState], None],
    interval: float = POLL_INTERVAL,
) -> JobState:
    """Poll until the job has finished; every state goes to `on_progress`, the last returned."""
    while True:
        state = await fetch(client, job_id)
        on_progress(state)
        if state.finished:
            return state
        await asyncio.sleep(interval)
