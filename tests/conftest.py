"""Suite-wide set-up: Qt runs offscreen; async tests run on the qasync loop."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--runslow", action="store_true", default=False, help="run the long variants (slow)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    wanted = item.config.getoption("runslow") or os.environ.get("RUNSLOW") == "1"
    if item.get_closest_marker("slow") is not None and not wanted:
        pytest.skip("long variant: run with --runslow (or RUNSLOW=1)")
