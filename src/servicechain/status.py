"""What is in the store: row counts per table and the latest imports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from servicechain.store import Store, schema

COUNTED_TABLES = (
    "org_unit",
    "employee",
    "customer",
    "survey_wave",
    "employee_response",
    "customer_response",
    "touchpoint_response",
    "review",
    "review_aspect",
    "employer_review",
    "unit_kpi",
    "customer_kpi",
    "import_log",
)


@dataclass
class StoreStatus:
    """Counts per table, the latest imports and the schema revision."""

    database: str
    revision: str | None
    counts: dict[str, int]
    imports: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "database": self.database,
            "revision": self.revision,
            "counts": self.counts,
            "last_imports": self.imports,
        }


def store_status(store: Store, *, last: int = 10) -> StoreStatus:
    """Read the status of ``store``."""
    log = schema.import_log
    with store.transaction() as connection:
        counts = {
            name: int(
                connection.execute(
                    sa.select(sa.func.count()).select_from(schema.metadata.tables[name])
                ).scalar()
                or 0
            )
            for name in COUNTED_TABLES
        }
        revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        rows = connection.execute(
            sa.select(log.c.imported_at, log.c.kind, log.c.file_name, log.c.rows, log.c.inserted,
                      log.c.updated, log.c.skipped).order_by(log.c.id.desc()).limit(last)
        ).mappings()  # fmt: skip
        imports = [{**row, "imported_at": row["imported_at"].isoformat(sep=" ")} for row in rows]
    database = sa.engine.make_url(store.url).render_as_string(hide_password=True)
    return StoreStatus(database, revision, counts, imports)
