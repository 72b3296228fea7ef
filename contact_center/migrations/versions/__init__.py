"""Alembic revisions, oldest first; `schema.HEAD` names the newest."""
