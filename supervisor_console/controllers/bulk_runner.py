"""Runs one bulk job for the dialog: submit, follow (through network hiccups), cancel.

The job runs on the server; losing contact while following it only delays the progress,
so a network or server error is shown and the poll goes on.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from supervisor_console import bulk
from supervisor_console.api.client import ApiClient
from supervisor_console.api.errors import ApiError, ForbiddenError, NetworkError, ServerError
from supervisor_console.bulk import BulkRequest, JobState
from supervisor_console.views.bulk_job_view import BulkJobView

RETRY_DELAY = 1.0


def explain(exc: ApiError) -> str:
    """A refusal as the dialog says it; a 403 says what the role may not do and who can."""
    if isinstance(exc, ForbiddenError):
        return f"{exc.message} Only an admin can run this bulk action: ask an admin, or sign in as one."
    return exc.message


class _Host(Protocol):
    client: ApiClient | None


class JobRunner:
    def __init__(self, host: _Host, poll_interval: float) -> None:
        self.host = host
        self.poll_interval = poll_interval
        self.job_id: int | None = None
        self.last: JobState | None = None
        self._idle = asyncio.Event()  # set while no job is being followed
        self._idle.set()
        self._view: BulkJobView | None = None
        self._label = ""
        self._cancelling = False

    @property
    def running(self) -> bool:
        return not self._idle.is_set()

    async def finished(self) -> None:
        """Return once no job is running (at once when none is)."""
        await self._idle.wait()

    async def run(
        self, view: BulkJobView, label: str, request: BulkRequest, versions: dict[str, int]
    ) -> JobState | None:
        """Submit and follow the job to its end; None when it could not start."""
        client = self.host.client
        if client is None:
            view.show_error("Not signed in.")
            return None
        self._view, self._label = view, label
        self._cancelling = False
        view.reset()
        self._idle.clear()
        try:
            self.job_id = await bulk.submit(client, request, versions)
            return await self._follow(client, self.job_id)
        except ApiError as exc:
            view.show_error(explain(exc))
            return None
        finally:
            self._idle.set()

    async def _follow(self, client: ApiClient, job_id: int) -> JobState:
        while True:
            try:
                final = await bulk.follow(client, job_id, self._progress, self.poll_interval)
            except (NetworkError, ServerError) as exc:
                if self._view is not None:
                    self._view.counts.setText(f"{exc.message} The job goes on; retrying…")
                await asyncio.sleep(RETRY_DELAY)
                continue
            self.last = final
            return final

    def _progress(self, state: JobState) -> None:
        self.last = state
        if self._view is not None:
            self._view.set_state(state, self._label)
            if self._cancelling:
                self._view.cancel_button.setEnabled(False)

    async def cancel(self) -> None:
        """Skip what has not started (what is running finishes)."""
        client, job_id = self.host.client, self.job_id
        if client is None or job_id is None or not self.running:
            return
        self._cancelling = True
        if self._view is not None:
            self._view.cancel_button.setEnabled(False)
        try:
            self._progress(await bulk.cancel(client, job_id))
        except ApiError as exc:
            if self._view is not None:
                self._view.counts.setText(explain(exc))
