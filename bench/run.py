"""Import throughput and demo generation at 1M and 10M customer responses.

    python bench/run.py [--sizes 1000000 10000000] [--postgres-max 1000000]

For each size N: generate a demo organisation with about N customer responses (baseline:
drawing the same number of random answers with numpy, the floor of any generator), write
them as CSV, and import that file through ``servicechain import`` code on DuckDB (and on
PostgreSQL up to ``--postgres-max``). The import baseline is the engine's own bulk load
of the same file without any checks (DuckDB ``read_csv``, PostgreSQL ``COPY``), so the
ratio says what validation and idempotency cost.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from servicechain.demo import DemoConfig, generate_demo
from servicechain.demo.export import write_csv
from servicechain.ingest.pipeline import import_file, import_table
from servicechain.ingest.readers import table_from_frame
from servicechain.store import open_store

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
UNITS, PERIODS = 500, 8


def timed(action, *args):  # type: ignore[no-untyped-def]
    """(result, seconds) of calling ``action(*args)``."""
    start = time.perf_counter()
    result = action(*args)
    return result, time.perf_counter() - start


def generation(size: int) -> tuple[object, float, float]:
    """Generate ~size customer responses; returns data, seconds, baseline seconds."""
    per_unit = max(5, round(size / (UNITS * PERIODS)))
    data, seconds = timed(
        lambda: generate_demo(DemoConfig(units=UNITS, periods=PERIODS, customers_per_unit=per_unit))
    )
    rows = len(data["customer-responses"])
    rng = np.random.default_rng(0)
    _, baseline = timed(lambda: rng.integers(1, 6, size=(rows, 11), dtype=np.int8))
    return data, seconds, baseline


def prepare_store(url: str, data) -> object:  # type: ignore[no-untyped-def]
    store = open_store(url)
    for kind in ("units", "employees", "customers"):
        import_table(store, kind, table_from_frame(data[kind], kind, f"bench-{kind}"))
    return store


def native_duckdb(path: Path) -> float:
    import duckdb

    with tempfile.TemporaryDirectory() as folder:
        connection = duckdb.connect(str(Path(folder) / "native.duckdb"))
        _, seconds = timed(
            lambda: connection.execute(
                f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', all_varchar=true)"
            )
        )
        connection.close()
    return seconds


def native_postgres(url: str, path: Path) -> float:
    engine = sa.create_engine(url)
    header = path.open(encoding="utf-8").readline().strip().split(",")
    columns = ", ".join(f'"{name}" text' for name in header)

    def load() -> None:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE TABLE native ({columns})")
            raw = connection.connection.driver_connection
            with (
                raw.cursor() as cursor,
                cursor.copy("COPY native FROM STDIN (FORMAT csv, HEADER true)") as copy,
                path.open("rb") as handle,
            ):
                while block := handle.read(1 << 22):
                    copy.write(block)

    _, seconds = timed(load)
    engine.dispose()
    return seconds


def pg_database() -> tuple[str, callable]:  # type: ignore[valid-type]
    name = f"sc_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()

    return f"{PG_SERVER}/{name}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description="servicechain import and demo benchmarks")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--postgres-max", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"{'measure':44} {'rows':>12} {'seconds':>8} {'rows/s':>10} {'baseline s':>10} {'ratio':>7}")

    def line(label: str, rows: int, seconds: float, baseline: float) -> None:
        figures = f"{rows:12,} {seconds:8.1f} {rows / seconds:10,.0f} {baseline:10.2f}"
        print(f"{label:44} {figures} {seconds / baseline:6.1f}x", flush=True)

    for size in args.sizes:
        data, seconds, baseline = generation(size)
        rows = len(data["customer-responses"])
        line("demo generation (all tables)", rows, seconds, baseline)
        with tempfile.TemporaryDirectory() as folder:
            csv_path = Path(folder) / "customer-responses.csv"
            write_csv(data["customer-responses"], csv_path)
            store = prepare_store(f"duckdb:///{Path(folder) / 'bench.duckdb'}", data)
            result, seconds = timed(import_file, store, "customer-responses", csv_path)
            assert result.inserted == rows, result
            line("import customer-responses CSV, DuckDB", rows, seconds, native_duckdb(csv_path))
            store.dispose()
            if size <= args.postgres_max:
                url, drop = pg_database()
                try:
                    store = prepare_store(url, data)
                    result, seconds = timed(import_file, store, "customer-responses", csv_path)
                    assert result.inserted == rows, result
                    store.dispose()
                    line(
                        "import customer-responses CSV, PostgreSQL",
                        rows,
                        seconds,
                        native_postgres(url, csv_path),
                    )
                finally:
                    drop()
        del data
        gc.collect()
    print("baseline: generation = numpy drawing the same answers; import = engine bulk load without checks")


if __name__ == "__main__":
    main()
