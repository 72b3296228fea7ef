"""End-to-end fixtures: one Xvfb for the session; per test a prepared database, the real
`contact-center serve` on it, and the installed console with its own home directory.

A failing test leaves a screenshot of the whole screen, the console's log and its last
UI state in build/e2e-failures/<test>/ (the path is printed in the report).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest

from tests.e2e.e2e_driver import Backend, Console, Display, missing_tools
from tests.e2e.e2e_floor import ADMIN_PW, SUPER_PW, Floor, prepare

FAILURES = Path(__file__).resolve().parents[2] / "build" / "e2e-failures"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


@pytest.fixture(scope="session")
def display() -> Iterator[Display]:
    missing = missing_tools()
    if missing:
        message = (
            f"the end-to-end suite needs {', '.join(missing)} (Debian: xvfb xdotool imagemagick)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    screen = Display()
    yield screen
    screen.close()


@pytest.fixture
def floor_db(tmp_path: Path) -> tuple[Path, Floor]:
    db = tmp_path / "cc.db"
    return db, prepare(db)


@pytest.fixture
def floor(floor_db: tuple[Path, Floor]) -> Floor:
    return floor_db[1]


@pytest.fixture
def backend(
    floor_db: tuple[Path, Floor], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Backend]:
    """`contact-center serve`; a test marked `serve_options(...)` passes more options."""
    marker = request.node.get_closest_marker("serve_options")
    extra = [str(a) for a in marker.args] if marker is not None else []
    server = Backend(floor_db[0], ADMIN_PW, SUPER_PW, tmp_path / "server.log", extra)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def console(
    display: Display, backend: Backend, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Console]:
    """The console; it closes before the backend stops (`backend` is set up first)."""
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    app = Console(display, tmp_path / "home", artifacts)
    yield app
    if failed(request):
        keep = FAILURES / request.node.name
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir(parents=True)
        display.screenshot(keep / "screen.png")
        if app.probe.exists():
            shutil.copy(app.probe, keep / "ui-state.json")
        if app.log.exists():
            shutil.copy(app.log, keep / "console.log")
        server_log = tmp_path / "server.log"
        if server_log.exists():
            shutil.copy(server_log, keep / "server.log")
        print(f"\nend-to-end failure artifacts: {keep}")
    code = app.close()
    if code is None:
        app.kill()
