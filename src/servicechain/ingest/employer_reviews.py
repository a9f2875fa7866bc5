"""Importing employer reviews: employees rating their employer on Glassdoor, Indeed and the like.

An overall rating and five optional sub-ratings (culture, career, pay, management,
work_life) on the review's own scale, whether they recommend the employer, their verdict
on the CEO, and free-text pros and cons. Reviews are identified by (source, review_id);
those already stored are skipped, never overwritten.
"""

from __future__ import annotations

from servicechain.ingest.context import Counts, ImportContext, optional_column
from servicechain.ingest.kinds import EMPLOYER_SUB_RATINGS
from servicechain.ingest.reviews import append_new_reviews, checked_reviews, review_rows
from servicechain.store import schema


def import_employer_reviews(ctx: ImportContext) -> Counts:
    """Employer reviews by (source, review_id); those already stored are skipped."""
    unit_ids = checked_reviews(ctx, ["rating", *(name for name in EMPLOYER_SUB_RATINGS if name in ctx.typed)])
    if unit_ids is None:
        return Counts()
    rows = review_rows(
        ctx,
        unit_ids,
        **{name: optional_column(ctx, name, "Float64") for name in EMPLOYER_SUB_RATINGS},
        recommend=optional_column(ctx, "recommend", "boolean"),
        ceo_approval=optional_column(ctx, "ceo_approval"),
        pros=optional_column(ctx, "pros"),
        cons=optional_column(ctx, "cons"),
    )
    fresh, is_stored = append_new_reviews(ctx, schema.employer_review, rows)
    return Counts(inserted=len(fresh), skipped=int(is_stored.sum()), notes=ctx.notes)
