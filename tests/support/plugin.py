"""The suite's pytest plugin (registered in tests/conftest.py): Qt offscreen, every qasync
loop kept alive, `--runslow`, and the shared fixtures of tests/support."""

from __future__ import annotations

import os
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # after QT_QPA_PLATFORM is set

pytest_plugins = [
    "tests.support.servers",
    "tests.support.console",
    "tests.support.stub",
    "tests.support.keyrings",
]

# A closed qasync loop leaves its Qt timers registered until they fire (close() only flags
# its timer object; a loop closed with call_later handles pending, e.g. a long poll's
# timeout, keeps dozens). If the cyclic GC then frees that object from another thread (a
# backend's server thread, an executor), Qt cannot unregister the timers and later fires one
# on freed memory: a segfault in some later test (seen on 3.12 in tests/unit, after
# tests/faults, tests/integration and tests/security had run loops via asyncio.Runner).
# Every qasync loop of the session is kept alive, so those timers fire on a live object,
# which kills them. This is the one place that keeps them: any QEventLoop made anywhere.
KEPT_LOOPS: list[qasync.QEventLoop] = []
_qasync_loop_init = qasync.QEventLoop.__init__


def _kept_loop_init(self: qasync.QEventLoop, *args: Any, **kwargs: Any) -> None:
    _qasync_loop_init(self, *args, **kwargs)
    KEPT_LOOPS.append(self)


qasync.QEventLoop.__init__ = _kept_loop_init


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--runslow", action="store_true", default=False, help="run the long variants (slow)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    wanted = item.config.getoption("runslow") or os.environ.get("RUNSLOW") == "1"
    if item.get_closest_marker("slow") is not None and not wanted:
        pytest.skip("long variant: run with --runslow (or RUNSLOW=1)")
