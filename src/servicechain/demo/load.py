"""Loading the demo organisation into a store through the real import path."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import sqlalchemy as sa

from servicechain.demo.export import export_demo
from servicechain.demo.generate import KINDS, DemoConfig, DemoData, generate_demo
from servicechain.ingest.context import ProgressHook
from servicechain.ingest.pipeline import ImportResult, import_file, import_table
from servicechain.ingest.readers import table_from_frame
from servicechain.store import Store, schema


def load_demo(
    store: Store,
    *,
    units: int = 24,
    periods: int = 8,
    customers_per_unit: int = 60,
    seed: int = 7,
    export_dir: Path | None = None,
    progress: Callable[[str], ProgressHook] | None = None,
    config: DemoConfig | None = None,
) -> list[ImportResult]:
    """Generate the demo and import it; with ``export_dir`` through the written files.

    ``config`` (all of the generator's settings) replaces ``units``, ``periods``,
    ``customers_per_unit`` and ``seed`` when given.

    ``progress(label)`` returns the progress hook for the import labelled ``label``.
    The planted truth is stored in ``demo_truth`` so analyses can be checked against it.
    """
    config = config or DemoConfig(
        units=units, periods=periods, customers_per_unit=customers_per_unit, seed=seed
    )
    overall = progress("demo organisation") if progress else None
    if overall:
        overall("generating", 0, 0)
    data = generate_demo(config)
    results = []
    if export_dir is not None:
        if overall:
            overall("writing files", 0, 0)
        paths = export_demo(data, Path(export_dir))
        for kind, path in zip(KINDS, paths, strict=True):
            hook = progress(path.name) if progress else None
            results.append(import_file(store, kind, path, progress=hook))
    else:
        for kind in KINDS:
            identity = hashlib.sha256(f"demo|{config!r}|{kind}".encode()).hexdigest()
            source = table_from_frame(data[kind], f"demo:{kind}", identity)
            hook = progress(kind) if progress else None
            results.append(import_table(store, kind, source, progress=hook))
    store_truth(store, data, config)
    if overall:
        overall("done", 0, 0)
    return results


def store_truth(store: Store, data: DemoData, config: DemoConfig) -> None:
    """Replace the stored demo truth: parameters, configuration and per-unit latents."""
    settings = {key: value for key, value in asdict(config).items() if key != "parameters"}
    rows = {
        "truth": json.dumps(data.truth, ensure_ascii=False, default=str),
        "config": json.dumps(settings, default=str),
        "truth_units": data.truth_units.to_json(orient="records", date_format="iso"),
    }
    with store.transaction() as connection:
        connection.execute(sa.delete(schema.demo_truth))
        connection.execute(schema.demo_truth.insert(), [{"key": k, "value": v} for k, v in rows.items()])


def read_truth(store: Store) -> dict[str, object]:
    """The stored demo truth (empty when the store holds no demo)."""
    with store.transaction() as connection:
        rows = connection.execute(sa.select(schema.demo_truth)).fetchall()
    return {key: json.loads(value) for key, value in rows}
