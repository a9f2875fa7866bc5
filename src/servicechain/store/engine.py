"""Opening the store: engine creation, automatic migrations, a clear word when it is busy."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from servicechain.errors import StoreBusy, UserError
from servicechain.settings import get_settings

_LOCK_PATTERN = re.compile(r"Conflicting lock is held in (\S+) \(PID (\d+)\)")


class DuckDBImpl(DefaultImpl):
    """Alembic knows no DuckDB dialect; DuckDB speaks PostgreSQL-style DDL in transactions."""

    __dialect__ = "duckdb"
    transactional_ddl = True


@dataclass
class Store:
    """An opened, migrated store. ``engine`` is a SQLAlchemy engine on DuckDB or PostgreSQL."""

    url: str
    engine: sa.Engine

    @property
    def dialect(self) -> str:
        """``duckdb`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One transaction: everything in the block commits together or not at all."""
        with _translate_busy(self.url), self.engine.begin() as connection:
            yield connection

    def dispose(self) -> None:
        """Close all connections (releases the DuckDB file lock)."""
        self.engine.dispose()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("servicechain.store") / "migrations"))
    return config


def _create_engine(url: str) -> sa.Engine:
    if url.startswith("duckdb:///"):
        path = Path(url.removeprefix("duckdb:///"))
        if str(path) not in ("", ":memory:") and not path.parent.exists():
            raise UserError(f"cannot create the store {path}: folder {path.parent} does not exist")
        # one DuckDB connection per thread; the web server has many threads (the request pool,
        # the intake writers, the refresher): keep them all rather than closing the oldest
        return sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool, pool_size=256)
    return sa.create_engine(url, pool_pre_ping=True)


@contextmanager
def _translate_busy(url: str) -> Iterator[None]:
    """Turn a DuckDB lock conflict or an unreachable server into one clear message."""
    try:
        yield
    except sa.exc.DBAPIError as error:
        text = str(error.orig)
        if "lock" in text.lower() and url.startswith("duckdb"):
            match = _LOCK_PATTERN.search(text)
            holder = f" by {match.group(1)} (PID {match.group(2)})" if match and match.group(2) else ""
            raise StoreBusy(
                f"the store {url.removeprefix('duckdb:///')} is in use{holder}; stop that "
                "process (for example a running `servicechain serve`) and try again, or use "
                "PostgreSQL (--db postgresql+psycopg://...) for several processes at once"
            ) from error
        if isinstance(error, sa.exc.OperationalError) and url.startswith("postgresql"):
            reason = text.strip().splitlines()[0] if text.strip() else "no answer"
            raise UserError(f"cannot reach the PostgreSQL store at {_safe_url(url)}: {reason}") from error
        raise


def _safe_url(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


MIGRATION_LOCK = 0x5E7C4A1  # PostgreSQL advisory lock key: one migrating process at a time


def migrate(engine: sa.Engine) -> bool:
    """Bring the schema to the newest revision; returns True when something was applied.

    On PostgreSQL, processes starting together on a new database wait for each other
    (advisory lock), so the schema and the shipped instruments are created once.
    """
    config = _alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        if MigrationContext.configure(connection).get_current_revision() == head:
            return False  # the common case, without taking a lock
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        if MigrationContext.configure(connection).get_current_revision() == head:
            return False  # another process migrated while we waited
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        from servicechain.store.catalogue import register_default_instruments

        register_default_instruments(connection)
    return True


def open_store(url: str | None = None, *, apply_migrations: bool = True) -> Store:
    """Open the store at ``url`` (default: the settings), migrating it on first use."""
    url = url or get_settings().database_url
    try:
        engine = _create_engine(url)
    except sa.exc.ArgumentError as error:
        raise UserError(f"invalid database URL {url!r}: {error}") from error
    except ModuleNotFoundError as error:
        raise UserError(f"no driver for {url!r}: {error}") from error
    with _translate_busy(url):
        if apply_migrations:
            migrate(engine)
    return Store(url=url, engine=engine)


class HeldConnection:
    """One connection kept open by a thread that writes often (the intake's writers).

    Taking a connection from the pool for every transaction costs a check-out, a reset
    (a rollback) and a check-in: on DuckDB about a millisecond per transaction, as much as
    the insert. After an error the connection is dropped and the next transaction opens a
    new one (a restarted PostgreSQL server, a broken network).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._connection: sa.Connection | None = None

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """One transaction on the held connection: all or nothing."""
        if self._connection is None or self._connection.closed:
            self._connection = self.store.engine.connect()
        try:
            with _translate_busy(self.store.url), self._connection.begin():
                yield self._connection
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Give the connection back (the thread stops, or after an error)."""
        if self._connection is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to give back
                self._connection.close()
            self._connection = None
