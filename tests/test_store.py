"""Opening a store: migrations once, instruments registered, concurrent first starts."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from servicechain.store import open_store, schema
from tests.conftest import PG_SERVER, _admin

OPEN_AND_COUNT = """
import sys
from servicechain.store import open_store
store = open_store(sys.argv[1])
with store.engine.connect() as connection:
    print(connection.exec_driver_sql("SELECT count(*) FROM instrument_item").scalar())
"""


@pytest.fixture
def empty_pg_database() -> Iterator[str]:
    name = f"sc_fresh_{uuid.uuid4().hex[:10]}"
    admin = _admin()
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    yield f"{PG_SERVER}/{name}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def test_four_processes_starting_together_on_a_new_database_migrate_it_once(empty_pg_database: str) -> None:
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AND_COUNT, empty_pg_database],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120) for process in starts]
    assert [process.returncode for process in starts] == [0, 0, 0, 0], [err for _, err in outputs]
    # 25 + 11 + 3 items of the shipped instruments, registered exactly once
    assert [out.strip() for out, _ in outputs] == ["39"] * 4


def test_the_shipped_instruments_are_in_a_new_store(store) -> None:  # type: ignore[no-untyped-def]
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(schema.instrument.c.key, sa.func.count())
            .join(schema.instrument_item, schema.instrument_item.c.instrument_id == schema.instrument.c.id)
            .group_by(schema.instrument.c.key)
        ).all()
    assert dict(rows) == {"employee": 25, "customer": 11, "touchpoint": 3}


def test_opening_again_applies_nothing(store) -> None:  # type: ignore[no-untyped-def]
    from servicechain.store.engine import migrate

    assert migrate(store.engine) is False
    again = open_store(store.url)
    with again.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM instrument").scalar() == 3
    again.dispose()


def test_migrations_build_exactly_the_declared_schema(request, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Alembic's comparison of the migrated PostgreSQL database with ``schema.metadata`` finds nothing:
    the migrations and the table definitions tell the same story."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from servicechain.store import schema
    from tests.conftest import fresh_store

    with fresh_store(request, "postgresql", tmp_path) as store, store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [d for d in compare_metadata(context, schema.metadata)
                       if not (isinstance(d, tuple) and d[0] in ("add_table", "remove_table")
                               and getattr(d[1], "name", "") == "alembic_version")]  # fmt: skip
    assert differences == []
