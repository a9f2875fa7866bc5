"""Importing online reviews: an overall rating and any ``aspect_*`` ratings on its scale."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from servicechain.ingest.context import UNIT_HINT, Counts, ImportContext, optional_column, unit_lookup
from servicechain.ingest.kinds import is_aspect_column
from servicechain.ingest.problems import describe_cell
from servicechain.ingest.stored import stored_values
from servicechain.store import schema
from servicechain.store.bulk import allocate_ids, append


def checked_reviews(ctx: ImportContext, ratings: list[str]) -> pd.Series | None:
    """The checks every kind of review shares: ``source`` lower-cased ('Google' and 'google' are one
    source), (source, review_id) unique in the file, known units, ``rating_max`` above 0 and the
    ``ratings`` columns within 0..rating_max. The unit ids, or None when the log has problems."""
    typed, log, raw = ctx.typed, ctx.log, ctx.raw
    typed["source"] = typed["source"].str.lower()
    ctx.check_unique(["source", "review_id"])
    unit_ids = ctx.resolve("unit_code", unit_lookup(ctx.connection), "unit_code", UNIT_HINT)
    top = typed["rating_max"]
    log.add_mask((top <= 0).fillna(False).to_numpy(), "rating_max", "must be above 0")
    for column in ratings:
        outside = ((typed[column] < 0) | (typed[column] > top)).fillna(False).to_numpy()
        log.add_mask(outside, column, describe_cell(raw[column], "{value} is outside 0..rating_max"))
    return None if log else unit_ids


def review_rows(ctx: ImportContext, unit_ids: pd.Series, **columns: object) -> pd.DataFrame:
    """The rows of checked reviews: source, key, unit, date and rating on its scale, then
    ``columns`` (the kind's own), language and the import id."""
    typed = ctx.typed
    return pd.DataFrame(
        {
            "source": typed["source"],
            "source_key": typed["review_id"],
            "unit_id": unit_ids.astype("int64"),
            "posted_at": typed["posted_at"],
            "rating": typed["rating"],
            "rating_max": typed["rating_max"],
            **columns,
            "language": optional_column(ctx, "language"),
            "import_id": ctx.import_id,
        }
    )


def append_new_reviews(
    ctx: ImportContext, table: sa.Table, rows: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Series]:
    """Append the ``rows`` whose (source, source_key) is not stored yet, with fresh ids and progress
    reported; returns those rows and the mask of the ones already stored (skipped, never overwritten)."""
    is_stored = pd.Series(
        stored_values(ctx.connection, table.name, rows[["source", "source_key"]], []).mask, index=rows.index
    )
    fresh = rows[~is_stored].copy()
    fresh.insert(0, "id", allocate_ids(ctx.connection, table, len(fresh)))
    append(ctx.connection, table, fresh, lambda n: ctx.report("writing", n, len(fresh)))
    return fresh, is_stored


def import_reviews(ctx: ImportContext) -> Counts:
    """Reviews by (source, review_id); those already stored are skipped."""
    typed = ctx.typed
    aspects = [column for column in typed.columns if is_aspect_column(column)]
    unit_ids = checked_reviews(ctx, ["rating", *aspects])
    if unit_ids is None:
        return Counts()
    rows = review_rows(ctx, unit_ids, text=optional_column(ctx, "text"))
    fresh, is_stored = append_new_reviews(ctx, schema.review, rows)
    ratings = typed.loc[~is_stored.to_numpy(), aspects].assign(review_id=fresh["id"].to_numpy())
    long = ratings.melt(id_vars="review_id", var_name="aspect", value_name="rating").dropna(subset=["rating"])
    long["aspect"] = long["aspect"].str.removeprefix("aspect_")
    append(ctx.connection, schema.review_aspect, long[["review_id", "aspect", "rating"]])
    return Counts(inserted=len(fresh), skipped=int(is_stored.sum()), notes=ctx.notes)
