"""Precomputed results: what the dashboards read, rebuilt after every import.

:func:`refresh` computes the whole organisation's scorecard (after the anonymity rules),
the executive report in Dutch and English and the review aspects once, and writes them
as one *snapshot* (``result_snapshot``, ``result_scorecard``, ``result_document``) in one
transaction. A page then reads a few hundred rows of unit results instead of scanning
millions of responses per request.

Freshness: a snapshot records the newest import it includes. ``servicechain import``
and the web imports page refresh after writing; :func:`is_stale` tells the web
application when an import happened elsewhere since (it then says so and refreshes).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from servicechain.accounts.audit import now
from servicechain.analysis.report import build_report, report_inputs, text_of
from servicechain.analysis.scorecard import employee_thresholds
from servicechain.errors import UserError
from servicechain.settings import Settings, get_settings
from servicechain.stats import describe
from servicechain.store import Store, schema
from servicechain.store.bulk import append, read_frame

LANGUAGES = ("nl", "en")
SCORECARD_COLUMNS = [column.name for column in schema.result_scorecard.columns]
REFRESH_STEPS = 11
"""How many times :func:`refresh` calls ``on_step`` (for a progress bar)."""


@dataclass(frozen=True)
class SnapshotInfo:
    """One stored snapshot."""

    id: int
    built_at: datetime
    import_id: int
    seconds: float


def latest_import(connection: sa.Connection) -> int:
    """The id of the newest import (0 when nothing was imported)."""
    return int(connection.execute(sa.select(sa.func.max(schema.import_log.c.id))).scalar() or 0)


def latest_snapshot(store: Store) -> SnapshotInfo | None:
    """The newest snapshot, or None before the first refresh."""
    table = schema.result_snapshot
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(table).order_by(table.c.id.desc()).limit(1)).first()
    return None if row is None else SnapshotInfo(int(row.id), row.built_at, int(row.import_id), row.seconds)


def is_stale(store: Store, snapshot: SnapshotInfo | None) -> bool:
    """True when an import happened after the snapshot was built (or, with data imported,
    there is no snapshot yet)."""
    with store.engine.connect() as connection:
        newest = latest_import(connection)
    return newest > (snapshot.import_id if snapshot is not None else 0)


def review_aspects(store: Store) -> pd.DataFrame:
    """Per location and quarter: n, mean and 95% interval of each review aspect and of the
    overall rating, all on a 1..5 scale (``rating / rating_max * 5``)."""
    review, aspect = schema.review, schema.review_aspect
    year, quarter = sa.extract("year", review.c.posted_at), sa.extract("quarter", review.c.posted_at)
    overall = review.c.rating * 5.0 / review.c.rating_max
    parts = [
        sa.select(review.c.unit_id, year.label("year"), quarter.label("quarter"),
                  sa.literal("overall").label("aspect"), overall.label("value"))
        .where(review.c.posted_at.is_not(None)),
        sa.select(review.c.unit_id, year, quarter, aspect.c.aspect,
                  (aspect.c.rating * 5.0 / review.c.rating_max).label("value"))
        .join(aspect, aspect.c.review_id == review.c.id).where(review.c.posted_at.is_not(None)),
    ]  # fmt: skip
    rows = sa.union_all(*parts).subquery()
    query = sa.select(
        rows.c.unit_id, rows.c.year, rows.c.quarter, rows.c.aspect, sa.func.count().label("n"),
        sa.func.sum(rows.c.value).label("total"), sa.func.sum(rows.c.value * rows.c.value).label("total_sq"),
    ).group_by(rows.c.unit_id, rows.c.year, rows.c.quarter, rows.c.aspect)  # fmt: skip
    with store.engine.connect() as connection:
        sums = read_frame(connection, query)
    if sums.empty:
        return pd.DataFrame(columns=["unit_id", "period", "aspect", "n", "mean", "ci_low", "ci_high"])
    sums["period"] = [f"{int(y)}-Q{int(q)}" for y, q in zip(sums["year"], sums["quarter"], strict=True)]
    stats = describe(sums["n"].astype("float64"), sums["total"].astype("float64"),
                     sums["total_sq"].astype("float64"))  # fmt: skip
    table = pd.concat([sums[["unit_id", "period", "aspect", "n"]], stats.set_axis(sums.index)], axis=1)
    table[["ci_low", "ci_high"]] = table[["ci_low", "ci_high"]].clip(lower=1.0, upper=5.0)
    return table.drop(columns=["sd", "se"]).astype({"unit_id": "int64", "n": "int64"})


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))  # NaN -> null


def refresh(
    store: Store, *, settings: Settings | None = None, on_step: Callable[[str], None] | None = None
) -> SnapshotInfo:
    """Compute every unit's results and store them as the newest snapshot; the one before it is
    kept (a server may be reading it), older ones go. Then praise of named employees in new
    texts becomes recognition suggestions (:func:`servicechain.act.recognition.find_recognition`)."""
    settings = settings or get_settings()
    step = on_step or (lambda _: None)
    started = time.perf_counter()
    with store.engine.connect() as connection:
        if connection.execute(sa.select(sa.func.count()).select_from(schema.org_unit)).scalar() == 0:
            raise UserError("nothing to compute yet: import the organisation's units first")
    with store.engine.connect() as connection:
        import_id = latest_import(connection)
    inputs = report_inputs(store, settings=settings, on_step=step)
    results = inputs.results
    documents: dict[str, Any] = {
        "measures": {
            key: {"nl": m.nl, "en": m.en, "source": m.source, "kind": m.kind, "scale_min": m.scale_min,
                  "scale_max": m.scale_max, "higher_is_better": m.higher_is_better}
            for key, m in results.catalogue.items()
        },
        "anonymity": {"default": settings.anonymity_threshold,
                      "periods": employee_thresholds(store, settings)},
    }  # fmt: skip
    step("reports")
    for language in LANGUAGES:
        try:
            documents[f"report:{language}"] = build_report(
                store, language=language, settings=settings, inputs=inputs
            )
        except UserError as error:  # no location results yet: the pages say so
            documents[f"report:{language}"] = {"unavailable": str(error)}
    step("review aspects")
    documents["review_aspects"] = _records(review_aspects(store))
    step("texts")
    documents["text"] = text_of(store, settings, inputs)  # the reports' own, computed once
    scorecard = results.table[[c for c in SCORECARD_COLUMNS if c != "snapshot_id"]].astype(
        {"period": str, "measure": str, "level": str, "source": str, "flag": object}
    )
    step("writing")
    with store.transaction() as connection:
        snapshot_id = int(
            connection.execute(sa.select(sa.func.nextval("result_snapshot_id_seq"))).scalar_one()
        )
        append(connection, schema.result_scorecard, scorecard.assign(snapshot_id=snapshot_id))
        connection.execute(
            schema.result_document.insert(),
            [
                {"snapshot_id": snapshot_id, "key": key, "body": _json(body)}
                for key, body in documents.items()
            ],
        )
        seconds, built_at = time.perf_counter() - started, now()
        connection.execute(
            schema.result_snapshot.insert().values(
                id=snapshot_id, built_at=built_at, import_id=import_id, seconds=seconds
            )
        )
        # the previous snapshot stays: a server may be reading it right now
        keep = connection.execute(
            sa.select(sa.func.max(schema.result_snapshot.c.id)).where(
                schema.result_snapshot.c.id < snapshot_id
            )
        ).scalar()
        if keep is not None:
            for table in (schema.result_scorecard, schema.result_document):
                connection.execute(table.delete().where(table.c.snapshot_id < keep))
            connection.execute(schema.result_snapshot.delete().where(schema.result_snapshot.c.id < keep))
    from servicechain.act.recognition import find_recognition  # praise in new texts: suggestions

    try:
        find_recognition(store)
    except Exception:  # the results are stored: a failed search must not fail the refresh
        logging.getLogger(__name__).exception("finding recognition after the refresh failed")
    return SnapshotInfo(snapshot_id, built_at, import_id, seconds)


def read_scorecard(store: Store, snapshot_id: int) -> pd.DataFrame:
    """The stored scorecard rows of a snapshot."""
    columns = ", ".join(c for c in SCORECARD_COLUMNS if c != "snapshot_id")
    query = f"SELECT {columns} FROM result_scorecard WHERE snapshot_id = {int(snapshot_id)}"
    with store.engine.connect() as connection:  # text: fetched columnar on DuckDB (5x faster)
        return read_frame(connection, query)


def read_document(store: Store, snapshot_id: int, key: str) -> Any:
    """One stored document of a snapshot (parsed JSON), or None."""
    table = schema.result_document
    query = sa.select(table.c.body).where(table.c.snapshot_id == snapshot_id, table.c.key == key)
    with store.engine.connect() as connection:
        body = connection.execute(query).scalar()
    return None if body is None else json.loads(body)
