"""The suite's shared fixtures and hooks live in tests/support, registered here as a plugin."""

import pytest
from hypothesis import settings

# Before anything imports them: asserts in the support modules report like a test's own.
pytest.register_assert_rewrite("tests.support")

# No per-example deadline: the machines are shared and noisy (a 200 ms deadline failed a
# property test at 294 ms under load). Speed is measured by benchmarks/, not by tests.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

pytest_plugins = ["tests.support.plugin"]
