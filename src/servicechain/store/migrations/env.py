"""Alembic environment: metadata from ``servicechain.store.schema``, URL from the caller."""

from __future__ import annotations

from alembic import context

import servicechain.store.engine  # noqa: F401  (registers Alembic's DuckDB implementation)
from servicechain.store.schema import metadata


def run_migrations_online() -> None:
    """Run with the connection handed over in ``config.attributes['connection']``."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
