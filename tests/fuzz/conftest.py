"""Long variants here are marked `slow`; tests/conftest.py skips them without --runslow."""
