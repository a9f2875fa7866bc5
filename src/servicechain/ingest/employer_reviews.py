"""Importing employer reviews: employees rating their employer on Glassdoor, Indeed and the like.

An overall rating and five optional sub-ratings (culture, career, pay, management,
work_life) on the review's own scale, whether they recommend the employer, their verdict
on the CEO, and free-text pros and cons. Reviews are identified by (source, review_id);
those already stored are skipped, never overwritten.
"""

from __future__ import annotations

import pandas as pd

from servicechain.ingest.context import Counts, ImportContext, optional_column
from servicechain.ingest.kinds import EMPLOYER_SUB_RATINGS
from servicechain.ingest.reviews import checked_reviews
from servicechain.ingest.stored import stored_values
from servicechain.store import schema
from servicechain.store.bulk import allocate_ids, append


def import_employer_reviews(ctx: ImportContext) -> Counts:
    """Employer reviews by (source, review_id); those already stored are skipped."""
    typed = ctx.typed
    unit_ids = checked_reviews(ctx, ["rating", *(name for name in EMPLOYER_SUB_RATINGS if name in typed)])
    if unit_ids is None:
        return Counts()
    top = typed["rating_max"]
    rows = pd.DataFrame(
        {
            "source": typed["source"],
            "source_key": typed["review_id"],
            "unit_id": unit_ids.astype("int64"),
            "posted_at": typed["posted_at"],
            "rating": typed["rating"],
            "rating_max": top,
            **{name: optional_column(ctx, name, "Float64") for name in EMPLOYER_SUB_RATINGS},
            "recommend": optional_column(ctx, "recommend", "boolean"),
            "ceo_approval": optional_column(ctx, "ceo_approval"),
            "pros": optional_column(ctx, "pros"),
            "cons": optional_column(ctx, "cons"),
            "language": optional_column(ctx, "language"),
            "import_id": ctx.import_id,
        }
    )
    stored = stored_values(ctx.connection, "employer_review", rows[["source", "source_key"]], [])
    fresh = rows[~stored.mask].copy()
    fresh.insert(0, "id", allocate_ids(ctx.connection, schema.employer_review, len(fresh)))
    append(ctx.connection, schema.employer_review, fresh, lambda n: ctx.report("writing", n, len(fresh)))
    return Counts(inserted=len(fresh), skipped=int(stored.mask.sum()), notes=ctx.notes)
