"""Suite-wide set-up: Qt runs offscreen; async tests run on the qasync loop."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # after QT_QPA_PLATFORM is set

# No per-example deadline: the machines are shared and noisy (a 200 ms deadline failed a
# property test at 294 ms under load). Speed is measured by benchmarks/, not by tests.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

# A closed qasync loop leaves its Qt timers registered until they fire (close() only flags
# its timer object; a loop closed with call_later handles pending, e.g. a long poll's
# timeout, keeps dozens). If the cyclic GC then frees that object from another thread (a
# backend's server thread, an executor), Qt cannot unregister the timers and later fires one
# on freed memory: a segfault in some later test (seen on 3.12 in tests/unit, after
# tests/faults, tests/integration and tests/security had run loops via asyncio.Runner).
# Every qasync loop of the session is kept alive, so those timers fire on a live object,
# which kills them.
_KEEP_LOOPS: list[qasync.QEventLoop] = []
_qasync_loop_init = qasync.QEventLoop.__init__


def _kept_loop_init(self: qasync.QEventLoop, *args: Any, **kwargs: Any) -> None:
    _qasync_loop_init(self, *args, **kwargs)
    _KEEP_LOOPS.append(self)


qasync.QEventLoop.__init__ = _kept_loop_init


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--runslow", action="store_true", default=False, help="run the long variants (slow)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    wanted = item.config.getoption("runslow") or os.environ.get("RUNSLOW") == "1"
    if item.get_closest_marker("slow") is not None and not wanted:
        pytest.skip("long variant: run with --runslow (or RUNSLOW=1)")
