"""The organisation as analyses need it: units with their level, parent and subtree."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from servicechain.errors import UserError
from servicechain.store import schema
from servicechain.store.bulk import read_frame
from servicechain.store.engine import Store


def read_units(store: Store) -> pd.DataFrame:
    """All units: ``unit_id, unit_code, unit_name, level, parent_id, depth, path`` (level = kind)."""
    table = schema.org_unit
    query = sa.select(
        table.c.id.label("unit_id"), table.c.code.label("unit_code"), table.c.name.label("unit_name"),
        table.c.kind.label("level"), table.c.parent_id, table.c.depth, table.c.path,
    ).order_by(table.c.path)  # fmt: skip
    with store.engine.connect() as connection:
        units = read_frame(connection, query)
    units["parent_id"] = units["parent_id"].astype("Int64")
    return units


def parents(units: pd.DataFrame) -> dict[int, int | None]:
    """``{unit_id: parent_id}`` with None for a root."""
    return {
        int(unit): (None if pd.isna(parent) else int(parent))
        for unit, parent in zip(units["unit_id"], units["parent_id"], strict=True)
    }


def subtree(units: pd.DataFrame, code: str) -> pd.Series:
    """Boolean mask of the unit ``code`` and every unit below it; a clear error for an unknown code."""
    match = units.loc[units["unit_code"] == code, "path"]
    if match.empty:
        close = units.loc[units["unit_code"].str.contains(code, case=False, regex=False), "unit_code"]
        hint = f"; did you mean {', '.join(close.head(3))}?" if len(close) else ""
        raise UserError(f"unknown unit {code!r}{hint}")
    return units["path"].str.startswith(match.iloc[0])


def check_level(units: pd.DataFrame, level: str) -> str:
    """``level`` if some unit has that kind, else a clear error listing the levels there are."""
    levels = list(dict.fromkeys(units.sort_values("depth")["level"]))
    if level not in levels:
        raise UserError(f"unknown level {level!r}; the organisation has {', '.join(levels)}")
    return level
