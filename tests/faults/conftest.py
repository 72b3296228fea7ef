"""Fault scenarios. The long variants are marked `slow`; `--runslow` (or RUNSLOW=1) runs them.

The option and the skip live in tests/conftest.py so a bare `pytest --runslow` works.
"""
