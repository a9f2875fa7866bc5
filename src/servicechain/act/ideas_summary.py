"""Per unit: ideas by status, their votes, and how fast they are decided (oldest undecided first).

Time to decision is ``decided_at - created_at`` in days (``decided_at``: the first time an idea
became planned, done or declined). Two numbers describe it, each with its n:

- the **median days to decision** of the decided ideas (undecided ones are not in it, so a unit
  that leaves ideas waiting can still show a short median: read it beside the next number);
- the **share decided within 30 days** of the ideas raised at least 30 days ago (each had the
  full 30 days, so waiting ideas count against it), with its 95% Wilson interval
  (:func:`servicechain.stats.summary.wilson_interval`; Wilson 1927).

``since`` and ``until`` keep the ideas raised on those days (both included), so an analyst can
compare quarters: an idea counts in the period it was raised, whenever it was decided.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.act.ideas import STATUSES, raised_between, unit_path
from servicechain.formats import spreadsheet_safe
from servicechain.stats.summary import wilson_interval
from servicechain.store import Store, schema

WITHIN_DAYS = 30
UNDECIDED = ("new", "under_review")
DAY = 86_400.0
CSV_COLUMNS = ("unit_code", "unit_name", "ideas", "new", "under_review", "planned", "done", "declined",
               "votes", "decided", "median_days_to_decision", "within_days", "within_n", "within_count",
               "within_share", "within_ci_low", "within_ci_high", "undecided", "oldest_undecided_id",
               "oldest_undecided_days")  # fmt: skip
"""The columns of the summary as CSV: one row per unit, then the total (no unit code)."""


def _rows(
    store: Store, path: str | None, since: date | None = None, until: date | None = None
) -> list[sa.Row]:  # type: ignore[type-arg]
    idea, unit, votes = schema.idea, schema.org_unit, schema.idea_vote
    counts = sa.select(votes.c.idea_id, sa.func.count().label("votes")).group_by(votes.c.idea_id).subquery()
    query = (
        sa.select(
            idea.c.id, idea.c.status, idea.c.created_at, idea.c.decided_at, unit.c.code, unit.c.name,
            sa.func.coalesce(counts.c.votes, 0).label("votes"),
        )
        .join(unit, unit.c.id == idea.c.unit_id)
        .outerjoin(counts, counts.c.idea_id == idea.c.id)
    )  # fmt: skip
    if path is not None:
        query = query.where(unit.c.path.startswith(path, autoescape=True))
    query = raised_between(query, since, until)
    with store.engine.connect() as connection:
        return list(connection.execute(query))


def _figures(rows: list[sa.Row], now: datetime) -> dict[str, Any]:  # type: ignore[type-arg]
    """Counts, votes and the time to decision of a group of ideas."""
    by_status = Counter(str(row.status) for row in rows)
    days = [(row.decided_at - row.created_at).total_seconds() / DAY for row in rows if row.decided_at]
    due = [row for row in rows if row.created_at <= now - timedelta(days=WITHIN_DAYS)]
    quick = sum(
        1 for row in due if row.decided_at and row.decided_at - row.created_at <= timedelta(days=WITHIN_DAYS)
    )
    low, high = wilson_interval([quick], [len(due)]) if due else ([None], [None])
    waiting = sorted(
        (row for row in rows if row.status in UNDECIDED), key=lambda row: (row.created_at, row.id)
    )
    return {
        "ideas": len(rows),
        "by_status": {status: by_status.get(status, 0) for status in STATUSES},
        "votes": sum(int(row.votes) for row in rows),
        "decided": len(days),
        "median_days_to_decision": statistics.median(days) if days else None,
        "within_days": WITHIN_DAYS,
        "within_n": len(due),
        "within_count": quick,
        "within_share": quick / len(due) if due else None,
        "within_ci_low": None if low[0] is None else float(low[0]),
        "within_ci_high": None if high[0] is None else float(high[0]),
        "undecided": len(waiting),
        "oldest_undecided_id": int(waiting[0].id) if waiting else None,
        "oldest_undecided_days": (now - waiting[0].created_at).total_seconds() / DAY if waiting else None,
    }


def summarise(
    store: Store,
    *,
    path: str | None = None,
    unit_code: str | None = None,
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """``{"units": [...], "total": {...}, "as_of", "since", "until"}`` for the ideas below ``path``
    (None: all), or below ``unit_code`` (IdeaRefused when outside ``path``), raised from
    ``since`` to ``until`` (see :func:`~servicechain.act.ideas.raised_between`): per unit of the
    ideas (code, name and the figures of :func:`_figures`), the unit whose oldest undecided idea
    waits longest first."""
    moment = now or utc_now()
    below = unit_path(store, unit_code, path) if unit_code else path
    rows = _rows(store, below, since, until)
    groups: dict[tuple[str, str], list[sa.Row]] = {}  # type: ignore[type-arg]
    for row in rows:
        groups.setdefault((str(row.code), str(row.name)), []).append(row)
    units = [
        {"unit_code": code, "unit_name": name} | _figures(found, moment)
        for (code, name), found in groups.items()
    ]
    units.sort(key=_longest_wait_first)
    return {"units": units, "total": _figures(rows, moment), "as_of": moment, "since": since, "until": until}


def _longest_wait_first(unit: dict[str, Any]) -> tuple[int, float, str]:
    """Units with an undecided idea first (the longest wait first, also a wait of 0.0 days), then
    the rest, by code."""
    days = unit["oldest_undecided_days"]
    return (1, 0.0, unit["unit_code"]) if days is None else (0, -days, unit["unit_code"])


def summary_csv(summary: dict[str, Any]) -> str:
    """The summary as CSV (:data:`CSV_COLUMNS`; one row per unit, then the total with an empty
    ``unit_code`` and ``unit_name`` "total"), every text cell spreadsheet-safe (a formula gets a
    ``'`` in front); the command line and the page's download write the same."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in [*summary["units"], {"unit_code": "", "unit_name": "total"} | summary["total"]]:
        flat = row | row["by_status"]
        writer.writerow({key: spreadsheet_safe(flat[key]) for key in CSV_COLUMNS})
    return out.getvalue()
