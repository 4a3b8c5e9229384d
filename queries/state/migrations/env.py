"""Alembic's entry point for the state database: run on the connection the app passes in
(:func:`queries.state.store.migrate`), never on a URL of its own."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
# SQLite alters a table by copying it (batch mode); PostgreSQL alters in place.
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
