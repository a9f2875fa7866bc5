"""Why answers are stored wide: unit aggregation over wide rows vs an answer-per-row table.

Builds N customer responses (11 items, 500 units, 8 waves) in a DuckDB file twice: wide
(one row per response, one SMALLINT column per item: our schema) and long (one row per
answer: response, item, value). Then times two aggregations per unit x wave: the sums and
sums of squares of every item (what scorecards need), and a respondent-level measure
(the CE index: mean of a respondent's answers) aggregated per unit. Baseline = wide.

    python bench/layout.py [--rows 10000000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

ITEMS = [
    "satisfaction", "continue", "recommend", "confidence_promises", "confidence_competent",
    "integrity_fair", "integrity_fix", "pride_proud", "pride_respect", "passion_irreplaceable",
    "passion_fit",
]  # fmt: skip


def build(connection: duckdb.DuckDBPyConnection, rows: int) -> None:
    """Create the wide table and its long twin with identical answers."""
    answers = ", ".join(
        f"CAST(1 + floor(random() * {11 if item == 'recommend' else 5}) AS SMALLINT) AS {item}"
        for item in ITEMS
    )
    connection.execute(
        f"CREATE TABLE wide AS SELECT range AS id, CAST(range % 500 AS INTEGER) AS unit_id, "
        f"CAST(range % 8 AS INTEGER) AS wave_id, {answers} FROM range({rows})"
    )
    unpivot = " UNION ALL ".join(
        f"SELECT id, unit_id, wave_id, {position} AS item, {item} AS value FROM wide"
        for position, item in enumerate(ITEMS)
    )
    connection.execute(f"CREATE TABLE long AS {unpivot}")
    connection.execute("CHECKPOINT")


def item_sums_wide() -> str:
    aggregates = ", ".join(f"count({i}), sum({i}), sum({i} * {i})" for i in ITEMS)
    return f"SELECT unit_id, wave_id, {aggregates} FROM wide GROUP BY unit_id, wave_id"


def item_sums_long() -> str:
    return (
        "SELECT unit_id, wave_id, item, count(value), sum(value), sum(value * value) "
        "FROM long GROUP BY unit_id, wave_id, item"
    )


def index_wide() -> str:
    total = " + ".join(f"coalesce({i}, 0)" for i in ITEMS)
    answered = " + ".join(f"CAST({i} IS NOT NULL AS INTEGER)" for i in ITEMS)
    return (
        f"SELECT unit_id, wave_id, count(*), avg(ce), sum(ce * ce) FROM "
        f"(SELECT unit_id, wave_id, ({total}) / ({answered}) AS ce FROM wide) GROUP BY ALL"
    )


def index_long() -> str:
    return (
        "SELECT unit_id, wave_id, count(*), avg(ce), sum(ce * ce) FROM "
        "(SELECT unit_id, wave_id, avg(value) AS ce FROM long GROUP BY id, unit_id, wave_id) "
        "GROUP BY ALL"
    )


def best_of(connection: duckdb.DuckDBPyConnection, query: str, repeat: int = 3) -> float:
    """Fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        connection.execute(query).fetchall()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    rows = parser.parse_args().rows
    with tempfile.TemporaryDirectory() as folder:
        connection = duckdb.connect(str(Path(folder) / "layout.duckdb"))
        start = time.perf_counter()
        build(connection, rows)
        print(f"built {rows:,} responses wide and {rows * len(ITEMS):,} answers long "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        print(f"{'aggregation per unit x wave':34} {'wide s':>8} {'long s':>8} {'long/wide':>10}")
        for label, wide, long in (
            ("item n, sum, sum of squares", item_sums_wide(), item_sums_long()),
            ("respondent CE index, then unit", index_wide(), index_long()),
        ):
            wide_s, long_s = best_of(connection, wide), best_of(connection, long)
            print(f"{label:34} {wide_s:8.3f} {long_s:8.3f} {long_s / wide_s:9.1f}x")
        connection.close()


if __name__ == "__main__":
    main()
