"""The bulk job's calls to the server: preview, submit, follow its progress, cancel. No Qt.

`follow` polls `GET /bulk-jobs/{id}` every `interval` seconds (after each answer, so a slow
server is never asked twice at once) and reports every state to a callback. The answers
are decoded by `api/wire.py`; a finished job's results, possibly big, off the GUI loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from supervisor_console.api import wire
from supervisor_console.api.types import JobState, Preview
from supervisor_console.bulk.scope import BulkRequest

POLL_INTERVAL = 0.25


class BulkClient(Protocol):
    async def request(
        self, method: str, path: str, *, json: Any = None, parse: bool = True
    ) -> Any: ...


async def preview(client: BulkClient, request: BulkRequest) -> Preview:
    return wire.preview(await client.request("POST", "/bulk-jobs/preview", json=request.body()))


async def submit(client: BulkClient, request: BulkRequest, versions: dict[str, int]) -> int:
    """Start the job with the versions the supervisor previewed; returns its id."""
    return wire.job_id(await client.request("POST", "/bulk-jobs", json=request.body(versions)))


async def fetch(client: BulkClient, job_id: int) -> JobState:
    """The job as it is now; the per-user results only once it has finished.

    Polls ask for the counts alone (`results=false`): a 10,000-user job's results are ~1 MB
    and decoding them four times a second would make the GUI stutter.
    """
    path = f"/bulk-jobs/{int(job_id)}"
    state = wire.job_state(await client.request("GET", f"{path}?results=false"))
    if not state.finished:
        return state
    body = await client.request("GET", path, parse=False)
    return await wire.off_loop(body, wire.parse_job_state)


async def cancel(client: BulkClient, job_id: int) -> JobState:
    """Ask the server to skip what has not started; the job answers as it is now."""
    return wire.job_state(await client.request("POST", f"/bulk-jobs/{int(job_id)}/cancel"))


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
