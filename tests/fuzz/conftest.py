"""Slow (long) variants here run only with --runslow or RUNSLOW=1 (see tests/faults)."""

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
