"""Persistence: tables, engine, migrations, transactions, the change journal, the rows."""
