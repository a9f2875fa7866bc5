"""Importing survey answers: employee and customer survey responses and touchpoints.

A response already stored (same id; for surveys, within the same wave) is skipped, so
overlapping exports are fine; if its unit or answers differ, the file is refused, because
a stored response is never overwritten silently. Ids repeated inside one file are refused.

Employee responses keep no trace of the person: no employee column exists, the source
response id is stored only as an HMAC-SHA256 keyed with the installation's secret key
(so nobody holding the database and the staff list can recompute it), the submission
time only as a day, and rows are written in random order, not the file's.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import numpy as np
import pandas as pd
import sqlalchemy as sa

from servicechain.ingest.cells import normalise_period
from servicechain.ingest.context import (
    CUSTOMER_HINT,
    EMPLOYEE_HINT,
    UNIT_HINT,
    Counts,
    ImportContext,
    code_lookup,
    customer_lookup,
    map_codes,
    optional_column,
    unit_lookup,
)
from servicechain.ingest.problems import describe_cell
from servicechain.ingest.stored import stored_values
from servicechain.instruments import load_default_instruments
from servicechain.settings import PLACEHOLDER_SECRET, get_settings
from servicechain.store import schema
from servicechain.store.bulk import allocate_ids, append, read_frame

_PERIOD_IN_CODE = (
    re.compile(r"\d{4}[-_ ]?[QqKk][1-4]"),
    re.compile(r"[QqKk][1-4][-_ ]?\d{4}"),
    re.compile(r"\d{4}-\d{2}(?!\d)"),
    re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)"),
)


def wave_period(code: str) -> str | None:
    """The period a wave code names (``MW-2026-Q3`` -> ``2026-Q3``), or None."""
    for pattern in _PERIOD_IN_CODE:
        match = pattern.search(code)
        if match and (period := normalise_period(match.group(0).replace("_", "-"))):
            return period
    return None


def _wave_ids(ctx: ImportContext, instrument_key: str) -> pd.Series:
    """Wave id per row; waves not yet known are created (closed, with today's threshold)."""
    table = schema.survey_wave
    query = sa.select(table.c.code, table.c.id).where(table.c.instrument_key == instrument_key)
    known = read_frame(ctx.connection, query)
    lookup = dict(zip(known["code"], known["id"], strict=True))
    missing = sorted(set(ctx.typed["wave"].dropna().unique()) - set(lookup))
    if missing:
        ids = allocate_ids(ctx.connection, table, len(missing))
        for wave_id, code in zip(ids.tolist(), missing, strict=True):
            ctx.connection.execute(
                table.insert().values(
                    id=wave_id, code=code, instrument_key=instrument_key, status="closed",
                    period=wave_period(code), anonymity_threshold=ctx.anonymity_threshold,
                )
            )  # fmt: skip
            lookup[code] = wave_id
        ctx.notes.append(f"created wave(s) {', '.join(missing)}")
    return map_codes(ctx.typed["wave"], lookup)


def _items(ctx: ImportContext, instrument_key: str) -> dict[str, pd.Series]:
    keys = load_default_instruments()[instrument_key].item_keys
    return {key: optional_column(ctx, key, "Int16") for key in keys}


def _require_an_answer(ctx: ImportContext, instrument_key: str) -> None:
    items = pd.DataFrame(_items(ctx, instrument_key))
    ctx.log.add_mask(items.isna().all(axis=1).to_numpy(), None, "the response answers no question at all")


def _write_new(
    ctx: ImportContext, table: sa.Table, rows: pd.DataFrame, key: list[str], *, shuffle: bool = False
) -> Counts:
    """Append rows not yet stored; a stored row with another unit or other answers is a problem."""
    compared = [c for c in rows.columns if c == "unit_id" or c in _ANSWER_COLUMNS]
    stored = stored_values(ctx.connection, table.name, rows[key], compared)
    is_stored = stored.mask
    changed = stored.changed(rows, compared)
    ctx.log.add_mask(
        changed,
        "response_id",
        describe_cell(ctx.raw["response_id"], "response {value} is already stored with another unit or "
                      "other answers; a stored response is never overwritten"),
    )  # fmt: skip
    if ctx.log:
        return Counts()
    fresh = rows[~is_stored]
    if shuffle:  # the order of rows must not tell the order of the file
        fresh = fresh.sample(frac=1.0, random_state=np.random.default_rng())
    append(ctx.connection, table, fresh, lambda n: ctx.report("writing", n, len(fresh)))
    return Counts(inserted=len(fresh), skipped=int(is_stored.sum()), notes=ctx.notes)


_ANSWER_COLUMNS = {key for instrument in load_default_instruments().values() for key in instrument.item_keys}


def response_digest(wave: str, response_id: str) -> str:
    """HMAC-SHA256 of wave and source response id under the installation's secret key."""
    key = get_settings().response_digest_key.encode()
    return hmac.new(key, f"{wave}\x1f{response_id}".encode(), hashlib.sha256).hexdigest()


def import_employee_responses(ctx: ImportContext) -> Counts:
    """Anonymous employee answers per wave and unit."""
    ctx.check_unique(["wave", "response_id"])
    unit_ids = ctx.resolve("unit_code", unit_lookup(ctx.connection), "unit_code", UNIT_HINT)
    _require_an_answer(ctx, "employee")
    staff_codes = code_lookup(ctx.connection, schema.employee)
    named = ctx.typed["response_id"].isin(staff_codes.index).to_numpy()
    ctx.log.add_mask(
        named,
        "response_id",
        describe_cell(ctx.raw["response_id"], "{value} is an employee code: an anonymous survey export "
                      "must not say who answered (export the survey tool's own response ids)"),
    )  # fmt: skip
    if ctx.log:
        return Counts()
    if get_settings().response_digest_key == PLACEHOLDER_SECRET:
        ctx.notes.append(
            "SERVICECHAIN_SECRET_KEY (or SERVICECHAIN_DIGEST_KEY) is the placeholder: set your own "
            "key so that stored response digests cannot be recomputed from the survey tool's ids"
        )
    digests = [
        response_digest(wave, response)
        for wave, response in zip(ctx.typed["wave"], ctx.typed["response_id"], strict=True)
    ]
    submitted = ctx.typed["submitted_at"].dt.date.astype(object)
    rows = pd.DataFrame(
        {
            "source_key": digests,
            "wave_id": _wave_ids(ctx, "employee").astype("int64"),
            "unit_id": unit_ids.astype("int64"),
            "submitted_on": submitted.where(ctx.typed["submitted_at"].notna(), None),
            **_items(ctx, "employee"),
            "comment": optional_column(ctx, "comment"),
            "import_id": ctx.import_id,
        }
    )
    return _write_new(ctx, schema.employee_response, rows, ["source_key"], shuffle=True)


def import_customer_responses(ctx: ImportContext) -> Counts:
    """Customer survey answers per wave and unit, optionally linked to a known customer."""
    ctx.check_unique(["wave", "response_id"])
    unit_ids = ctx.resolve("unit_code", unit_lookup(ctx.connection), "unit_code", UNIT_HINT)
    customers = customer_lookup(ctx.connection, optional_column(ctx, "customer_code"))
    customer_ids = ctx.resolve("customer_code", customers, "customer_code", CUSTOMER_HINT)
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
            "channel": optional_column(ctx, "channel"),
            **_items(ctx, "customer"),
            "comment": optional_column(ctx, "comment"),
            "import_id": ctx.import_id,
        }
    )
    return _write_new(ctx, schema.customer_response, rows, ["wave_id", "source_key"])


def import_touchpoints(ctx: ImportContext) -> Counts:
    """Micro-survey answers after one interaction, optionally naming the employee."""
    ctx.check_unique(["response_id"])
    unit_ids = ctx.resolve("unit_code", unit_lookup(ctx.connection), "unit_code", UNIT_HINT)
    employees = code_lookup(ctx.connection, schema.employee)
    employee_ids = ctx.resolve("employee_code", employees, "employee_code", EMPLOYEE_HINT)
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
            "comment": optional_column(ctx, "comment"),
            "import_id": ctx.import_id,
        }
    )
    return _write_new(ctx, schema.touchpoint_response, rows, ["source_key"])
