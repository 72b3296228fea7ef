"""Alembic migrations of the backend's schema (SQLite and PostgreSQL); see `../migrate.py`."""
