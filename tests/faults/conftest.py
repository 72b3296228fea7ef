"""Fault scenarios. `--runslow` (registered here) runs the long variants marked `slow`.

pytest reads options only from conftest files it loads at start-up, so give a directory
of these tests on the command line (`pytest tests/faults tests/fuzz tests/security
--runslow`), or set RUNSLOW=1 to run the slow variants from a plain `pytest`/`make test`.
"""

from __future__ import annotations

import contextlib
import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    with contextlib.suppress(ValueError):  # already registered by another conftest
        parser.addoption(
            "--runslow", action="store_true", default=False, help="run the slow long variants"
        )


def pytest_runtest_setup(item: pytest.Item) -> None:
    wanted = item.config.getoption("runslow", default=False) or os.environ.get("RUNSLOW") == "1"
    if item.get_closest_marker("slow") is not None and not wanted:
        pytest.skip("long variant: run with --runslow (or RUNSLOW=1)")
