"""Alembic revisions, oldest first; `migrate.HEAD` names the newest."""
