"""The SQL store: schema, migrations and write paths. Knows nothing of statistics or HTTP."""

from servicechain.store.engine import Store, migrate, open_store

__all__ = ["Store", "migrate", "open_store"]
