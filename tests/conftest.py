"""The suite's shared fixtures and hooks live in tests/support, registered here as a plugin."""

import pytest

# Before anything imports them: asserts in the support modules report like a test's own.
pytest.register_assert_rewrite("tests.support")

pytest_plugins = ["tests.support.plugin"]
