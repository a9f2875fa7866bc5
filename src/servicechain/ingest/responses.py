"""Importing answers: employee and customer survey responses, touchpoints and reviews.

Rows whose id is already stored are skipped (an overlapping export is not an error);
ids repeated inside one file are. Employee responses keep no trace of the person: the
source id is stored only as a SHA-256 digest (for idempotent re-imports) and the
submission time only as a day.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import sqlalchemy as sa

from servicechain.ingest.cells import normalise_period
from servicechain.ingest.context import (
    UNIT_HINT,
    Counts,
    ImportContext,
    code_lookup,
    customer_lookup,
    map_codes,
    unit_lookup,
)
from servicechain.ingest.kinds import is_aspect_column
from servicechain.ingest.problems import describe_cell
from servicechain.instruments import load_default_instruments
from servicechain.store import schema
from servicechain.store.bulk import allocate_ids, append, read_frame, staged

_PERIOD_IN_CODE = re.compile(r"(\d{4}[-_ ]?[QqKk][1-4]|\d{4}-\d{2}|\d{4})")


def _wave_ids(ctx: ImportContext, instrument_key: str) -> pd.Series:
    """Wave id per row; waves not yet known are created (closed, with today's threshold)."""
    table = schema.survey_wave
    query = sa.select(table.c.code, table.c.id).where(table.c.instrument_key == instrument_key)
    known = read_frame(ctx.connection, query)
    lookup = dict(zip(known["code"], known["id"], strict=True))
    missing = sorted(set(ctx.typed["wave"].dropna().unique()) - set(lookup))
    if missing and not ctx.log:
        ids = allocate_ids(ctx.connection, table, len(missing))
        for wave_id, code in zip(ids.tolist(), missing, strict=True):
            match = _PERIOD_IN_CODE.search(code)
            ctx.connection.execute(
                table.insert().values(
                    id=wave_id, code=code, instrument_key=instrument_key, status="closed",
                    period=normalise_period(match.group(1).replace("_", "-")) if match else None,
                    anonymity_threshold=ctx.anonymity_threshold,
                )
            )  # fmt: skip
            lookup[code] = wave_id
        ctx.notes.append(f"created wave(s) {', '.join(missing)}")
    return map_codes(ctx.typed["wave"], lookup)


def _stored_positions(ctx: ImportContext, table: sa.Table, keys: pd.DataFrame) -> np.ndarray:
    """Mask of rows whose key (columns named as in ``table``) is already stored."""
    frame = keys.assign(_position=np.arange(len(keys)))
    condition = " AND ".join(f"t.{c} = s.{c}" for c in keys.columns)
    with staged(ctx.connection, frame) as stage:
        found = read_frame(
            ctx.connection, f"SELECT s._position FROM {stage} s JOIN {table.name} t ON {condition}"
        )
    mask = np.zeros(len(keys), dtype=bool)
    mask[found["_position"].to_numpy(dtype=np.int64)] = True
    return mask


def _write_new(ctx: ImportContext, table: sa.Table, rows: pd.DataFrame, key: list[str]) -> Counts:
    stored = _stored_positions(ctx, table, rows[key])
    fresh = rows[~stored]
    append(ctx.connection, table, fresh, lambda n: ctx.report("writing", n, len(fresh)))
    return Counts(inserted=len(fresh), skipped=int(stored.sum()), notes=ctx.notes)


def _items(ctx: ImportContext, instrument_key: str) -> dict[str, pd.Series]:
    keys = load_default_instruments()[instrument_key].item_keys
    return {
        key: ctx.typed[key] if key in ctx.typed else pd.Series(pd.NA, index=ctx.typed.index, dtype="Int16")
        for key in keys
    }


def _optional(ctx: ImportContext, column: str) -> pd.Series:
    if column in ctx.typed:
        return ctx.typed[column]
    return pd.Series(None, index=ctx.typed.index, dtype=object)


def _require_an_answer(ctx: ImportContext, instrument_key: str) -> None:
    items = pd.DataFrame(_items(ctx, instrument_key))
    empty = items.isna().all(axis=1).to_numpy()
    ctx.log.add_mask(empty, None, "the response answers no question at all")


def import_employee_responses(ctx: ImportContext) -> Counts:
    """Anonymous employee answers per wave and unit."""
    ctx.check_unique(["wave", "response_id"], "response_id")
    unit_ids = ctx.resolve("unit_code", unit_lookup(ctx.connection), "unit_code", UNIT_HINT)
    _require_an_answer(ctx, "employee")
    if ctx.log:
        return Counts()
    wave_ids = _wave_ids(ctx, "employee")
    digests = [
        hashlib.sha256(f"{wave}\x1f{response}".encode()).hexdigest()
        for wave, response in zip(ctx.typed["wave"], ctx.typed["response_id"], strict=True)
    ]
    submitted = ctx.typed["submitted_at"].dt.date.astype(object)
    rows = pd.DataFrame(
        {
            "source_key": digests,
            "wave_id": wave_ids.astype("int64"),
            "unit_id": unit_ids.astype("int64"),
            "submitted_on": submitted.where(ctx.typed["submitted_at"].notna(), None),
            **_items(ctx, "employee"),
            "comment": _optional(ctx, "comment"),
            "import_id": ctx.import_id,
        }
    )
    return _write_new(ctx, schema.employee_response, rows, ["source_key"])


def import_customer_responses(ctx: ImportContext) -> Counts:
    """Customer survey answers per wave and unit, optionally linked to a known customer."""
    ctx.check_unique(["response_id"], "response_id")
    unit_ids = ctx.resolve("unit_code", unit_lookup(ctx.connection), "unit_code", UNIT_HINT)
    customers = customer_lookup(ctx.connection, _optional(ctx, "customer_code"))
    hint = " (not in the store: import it with `servicechain import customers` first)"
    customer_ids = ctx.resolve("customer_code", customers, "customer_code", hint)
    _require_an_answer(ctx, "customer")
    if ctx.log:
        return Counts()
    rows = pd.DataFrame(
        {
            "source_key": ctx.typed["response_id"],
            "wave_id": _wave_ids(ctx, "customer").astype("int64"),
            "unit_id": unit_ids.astype("int64"),
            "customer_id": customer_ids,
            "submitted_at": ctx.typed["submitted_at"],
            "channel": _optional(ctx, "channel"),
            **_items(ctx, "customer"),
            "comment": _optional(ctx, "comment"),
            "import_id": ctx.import_id,
        }
    )
    return _write_new(ctx, schema.customer_response, rows, ["source_key"])


def import_touchpoints(ctx: ImportContext) -> Counts:
    """Micro-survey answers after one interaction, optionally naming the employee."""
    ctx.check_unique(["response_id"], "response_id")
    unit_ids = ctx.resolve("unit_code", unit_lookup(ctx.connection), "unit_code", UNIT_HINT)
    hint = " (not in the store: import it with `servicechain import employees` first)"
    employees = code_lookup(ctx.connection, schema.employee)
    employee_ids = ctx.resolve("employee_code", employees, "employee_code", hint)
    if ctx.log:
        return Counts()
    rows = pd.DataFrame(
        {
            "source_key": ctx.typed["response_id"],
            "unit_id": unit_ids.astype("int64"),
            "employee_id": employee_ids,
            "channel": ctx.typed["channel"],
            "occurred_at": ctx.typed["occurred_at"],
            **_items(ctx, "touchpoint"),
            "comment": _optional(ctx, "comment"),
            "import_id": ctx.import_id,
        }
    )
    return _write_new(ctx, schema.touchpoint_response, rows, ["source_key"])


def import_reviews(ctx: ImportContext) -> Counts:
    """Online reviews with an overall rating and any ``aspect_*`` ratings on the same scale."""
    typed, log, raw = ctx.typed, ctx.log, ctx.raw
    ctx.check_unique(["source", "review_id"], "review_id")
    unit_ids = ctx.resolve("unit_code", unit_lookup(ctx.connection), "unit_code", UNIT_HINT)
    top = typed["rating_max"]
    log.add_mask((top <= 0).fillna(False).to_numpy(), "rating_max", "must be above 0")
    aspects = _aspect_ratings(ctx)
    for column in ["rating", *aspects]:
        values = typed["rating"] if column == "rating" else aspects[column]
        outside = ((values < 0) | (values > top)).fillna(False).to_numpy()
        log.add_mask(outside, column, describe_cell(raw[column], "{value} is outside 0..rating_max"))
    if log:
        return Counts()
    rows = pd.DataFrame(
        {
            "source": typed["source"].str.lower().astype(object),
            "source_key": typed["review_id"].astype(object),
            "unit_id": unit_ids.astype("int64"),
            "posted_at": typed["posted_at"],
            "rating": typed["rating"],
            "rating_max": top,
            "language": _optional(ctx, "language"),
            "text": _optional(ctx, "text"),
            "import_id": ctx.import_id,
        }
    )
    stored = _stored_positions(ctx, schema.review, rows[["source", "source_key"]])
    fresh = rows[~stored].copy()
    fresh.insert(0, "id", allocate_ids(ctx.connection, schema.review, len(fresh)))
    append(ctx.connection, schema.review, fresh)
    long = (
        aspects[~stored]
        .assign(review_id=fresh["id"].to_numpy())
        .melt(id_vars="review_id", var_name="aspect", value_name="rating")
    )
    long = long.dropna(subset=["rating"])
    long["aspect"] = long["aspect"].str.removeprefix("aspect_")
    append(ctx.connection, schema.review_aspect, long[["review_id", "aspect", "rating"]])
    return Counts(inserted=len(fresh), skipped=int(stored.sum()), notes=ctx.notes)


def _aspect_ratings(ctx: ImportContext) -> pd.DataFrame:
    from servicechain.ingest.cells import dutch_decimals, number

    ratings = {}
    for column in [c for c in ctx.raw.columns if is_aspect_column(c)]:
        cells = dutch_decimals(ctx.raw[column]) if ctx.decimal_comma else ctx.raw[column]
        parsed = number(cells)
        ctx.log.add_mask(parsed.bad, column, describe_cell(ctx.raw[column], "{value} is not a number"))
        ratings[column] = parsed.values
    return pd.DataFrame(ratings, index=ctx.typed.index)
