"""Importing the organisation: units (a tree), employees and customers. Re-imports update."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from servicechain.ingest.context import (
    UNIT_HINT,
    Counts,
    ImportContext,
    unit_lookup,
)
from servicechain.ingest.problems import quoted
from servicechain.ingest.stored import stored_values
from servicechain.store import schema
from servicechain.store.bulk import allocate_ids, append, read_frame, staged

OPTIONAL = ("hired_on", "left_on", "first_name", "last_name", "known_as")
KIND_SYNONYMS = {
    "bedrijf": "company", "organisatie": "company", "holding": "company",
    "regio": "region", "district": "district", "gebied": "area",
    "vestiging": "location", "filiaal": "location", "winkel": "location", "locatie": "location",
    "store": "location", "branch": "location", "kantoor": "location",
    "afdeling": "department", "team": "team",
}  # fmt: skip


def _upsert(ctx: ImportContext, table: sa.Table, rows: pd.DataFrame, value_columns: list[str]) -> Counts:
    """Insert rows with new codes and update rows whose values changed (matched on ``code``).

    A ``_row`` column (units) marks rows from the file (> 0); only those count as unchanged,
    so stored units that the file does not mention are not reported.
    """
    connection = ctx.connection
    stored = stored_values(connection, table.name, rows[["code"]], ["id", *value_columns])
    is_new = ~stored.mask
    changed = stored.changed(rows, value_columns)
    new_rows = rows[is_new].copy()
    if "id" not in new_rows:
        new_rows.insert(0, "id", allocate_ids(connection, table, len(new_rows)))
    new_rows = new_rows.drop(columns=["_row"], errors="ignore")
    append(connection, table, new_rows, lambda n: ctx.report("writing", n, len(rows)))
    if changed.any():
        updates = rows.loc[changed, value_columns].assign(
            id=stored.values.loc[np.flatnonzero(changed), "id"].to_numpy()
        )
        # CAST: a column that is empty in every changed row arrives untyped from the stage
        dialect = connection.dialect
        assignments = ", ".join(
            f"{c} = CAST(s.{c} AS {table.c[c].type.compile(dialect)})" for c in value_columns
        )
        with staged(connection, updates) as stage:
            connection.exec_driver_sql(
                f"UPDATE {table.name} SET {assignments} FROM {stage} s WHERE {table.name}.id = s.id"
            )
    in_file = rows["_row"].to_numpy() > 0 if "_row" in rows else np.ones(len(rows), dtype=bool)
    return Counts(int(is_new.sum()), int(changed.sum()), int((in_file & ~is_new & ~changed).sum()))


def import_units(ctx: ImportContext) -> Counts:
    """Units form one tree: known parents, one root, no cycles, across file and store together."""
    typed, log = ctx.typed, ctx.log
    ctx.check_unique(["unit_code"])
    kinds = typed["kind"].str.lower().str.strip()
    typed["kind"] = kinds.map(lambda k: KIND_SYNONYMS.get(k, k) if isinstance(k, str) else k)
    bad_code = typed["unit_code"].str.contains("/", regex=False).fillna(False).to_numpy()
    log.add_mask(bad_code, "unit_code", lambda p: f"{quoted(ctx.raw['unit_code'], p)} may not contain '/'")
    if log:
        return Counts()
    stored = read_frame(
        ctx.connection,
        "SELECT u.id, u.code, u.name, u.kind, p.code AS parent_code, u.manager_employee_code, "
        "u.depth, u.path FROM org_unit u LEFT JOIN org_unit p ON p.id = u.parent_id",
    )
    tree = _merge_tree(ctx, stored)
    if log:
        return Counts()
    tree = _place_in_tree(ctx, tree, stored)
    if log:
        return Counts()
    return _upsert(
        ctx,
        schema.org_unit,
        tree,
        ["name", "kind", "parent_id", "manager_employee_code", "depth", "path"],
    )


def _merge_tree(ctx: ImportContext, stored: pd.DataFrame) -> pd.DataFrame:
    """The whole tree after this import: stored units, overwritten by the file's rows."""
    typed = ctx.typed
    if "manager_employee_code" in typed:
        manager = typed["manager_employee_code"]
    else:  # a file without the column keeps the stored managers
        stored_manager = dict(zip(stored["code"], stored["manager_employee_code"], strict=True))
        manager = typed["unit_code"].map(stored_manager)
    incoming = pd.DataFrame(
        {
            "code": typed["unit_code"].astype(object),
            "name": typed["name"].astype(object),
            "kind": typed["kind"].astype(object),
            "parent_code": typed["parent_code"].astype(object),
            "manager_employee_code": manager.astype(object),
            "_row": np.arange(len(typed)) + ctx.log.first_row,
        }
    )
    keep = stored[~stored["code"].isin(incoming["code"])]
    keep = keep[["code", "name", "kind", "parent_code", "manager_employee_code"]].assign(_row=-1)
    tree = pd.concat([keep, incoming], ignore_index=True)
    known = set(tree["code"])
    unknown = tree["parent_code"].notna() & ~tree["parent_code"].isin(known)
    for row, parent in tree.loc[unknown, ["_row", "parent_code"]].itertuples(index=False):
        ctx.log.add(
            f"unknown parent_code {parent!r} (neither in this file nor in the store)",
            row=int(row),
            column="parent_code",
        )
    roots = tree[tree["parent_code"].isna()]
    if len(roots) > 1:
        where = ", ".join(
            f"{code!r} ({'row ' + str(row) if row > 0 else 'already stored'})"
            for code, row in roots[["code", "_row"]].itertuples(index=False)
        )
        for row in roots["_row"][roots["_row"] > 0]:
            ctx.log.add(
                f"the tree has {len(roots)} top units ({where}); give all but one a parent_code",
                row=int(row),
                column="parent_code",
            )
    elif len(roots) == 0 and not unknown.any():
        ctx.log.add("the tree has no top unit (one unit needs an empty parent_code)", column="parent_code")
    return tree


def _place_in_tree(ctx: ImportContext, tree: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """Depth and materialised path ('/1/4/17/') of every unit; cycles are problems."""
    parent_of = dict(zip(tree["code"], tree["parent_code"], strict=True))
    row_of = dict(zip(tree["code"], tree["_row"], strict=True))
    chain_of: dict[str, list[str]] = {}
    for start in tree["code"]:
        chain: list[str] = []
        node: str | None = start
        while node is not None and node not in chain_of:
            if node in chain:
                cycle = [*chain[chain.index(node) :], node]
                rows = [row_of[c] for c in cycle[:-1] if row_of[c] > 0]
                ctx.log.add(
                    f"units form a cycle: {' -> '.join(cycle)}",
                    row=min(rows) if rows else None,
                    column="parent_code",
                )
                return tree
            chain.append(node)
            parent = parent_of[node]
            node = parent if isinstance(parent, str) else None
        base = chain_of[node] if node is not None else []
        for position, code in enumerate(reversed(chain)):
            chain_of[code] = base + list(reversed(chain))[: position + 1]
    stored_ids = dict(zip(stored["code"], stored["id"], strict=True))
    new_codes = [code for code in tree["code"] if code not in stored_ids]
    fresh = allocate_ids(ctx.connection, schema.org_unit, len(new_codes))
    ids = {**stored_ids, **dict(zip(new_codes, fresh.tolist(), strict=True))}
    tree = tree.assign(
        id=tree["code"].map(ids).astype("int64"),
        parent_id=tree["parent_code"].map(ids).astype("Int64"),
        depth=tree["code"].map(lambda code: len(chain_of[code]) - 1).astype("int16"),
        path=tree["code"].map(lambda code: "/" + "".join(f"{ids[c]}/" for c in chain_of[code])),
    )
    return tree.drop(columns=["parent_code"])


NAME_COLUMNS = ("first_name", "last_name", "known_as")
"""Optional roster names: recognition matches praise in reviews and comments against them."""


def _optional_text(values: pd.Series | None, rows: int) -> pd.Series:
    if values is None:
        return pd.Series([None] * rows, dtype=object)
    return values.astype(object).where(values.notna(), None)


def import_employees(ctx: ImportContext) -> Counts:
    """Employees by code; a re-import updates unit, role, flags and dates."""
    typed, log = ctx.typed, ctx.log
    ctx.check_unique(["employee_code"])
    unit_ids = ctx.resolve("unit_code", unit_lookup(ctx.connection), "unit_code", UNIT_HINT)
    hired, left = typed.get("hired_on"), typed.get("left_on")
    if hired is not None and left is not None:
        before = (left < hired).fillna(False).to_numpy()
        log.add_mask(
            before,
            "left_on",
            lambda p: f"left_on {quoted(ctx.raw['left_on'], p)} is before hired_on",
        )
    if log:
        return Counts()
    rows = pd.DataFrame(
        {
            "code": typed["employee_code"].astype(object),
            "unit_id": unit_ids.astype("int64"),
            "role": typed["role"],
            "is_manager": typed["is_manager"].fillna(False).astype(bool),
            "customer_facing": typed["customer_facing"].fillna(False).astype(bool),
            "hired_on": _as_date(typed.get("hired_on"), len(typed)),
            "left_on": _as_date(typed.get("left_on"), len(typed)),
            **{name: _optional_text(typed.get(name), len(typed)) for name in NAME_COLUMNS},
        }
    )
    columns = ["unit_id", "role", "is_manager", "customer_facing", "hired_on", "left_on", *NAME_COLUMNS]
    # a file without the optional date or name columns leaves the stored ones alone
    return _upsert(ctx, schema.employee, rows, [c for c in columns if c not in OPTIONAL or c in typed])


def import_customers(ctx: ImportContext) -> Counts:
    """Customers by code with their home unit and segment; a re-import updates both."""
    typed = ctx.typed
    ctx.check_unique(["customer_code"])
    home = ctx.resolve("home_unit_code", unit_lookup(ctx.connection), "unit code", UNIT_HINT)
    if ctx.log:
        return Counts()
    segment = typed["segment"] if "segment" in typed else pd.Series(None, index=typed.index)
    rows = pd.DataFrame(
        {
            "code": typed["customer_code"].astype(object),
            "home_unit_id": home,
            "segment": segment.astype(object),
        }
    )
    return _upsert(ctx, schema.customer, rows, ["home_unit_id", *(["segment"] if "segment" in typed else [])])


def _as_date(values: pd.Series | None, length: int) -> pd.Series:
    """Dates as Python dates (None when empty), which both engines store as DATE."""
    if values is None:
        return pd.Series([None] * length, dtype=object)
    return values.dt.date.astype(object).where(values.notna(), None)
