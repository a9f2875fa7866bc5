"""employer reviews: employees' reviews of the employer (Glassdoor, Indeed and similar)

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SEQUENCE = "employer_review_id_seq"


def _scale(name: str, comment: str) -> sa.Column:
    return sa.Column(name, sa.Double(), nullable=True, comment=comment)


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence(SEQUENCE)))
    op.create_table(
        "employer_review",
        sa.Column("id", sa.BigInteger(), nullable=False, server_default=sa.text(f"nextval('{SEQUENCE}')")),
        sa.Column(
            "source", sa.String(length=64), nullable=False, comment="glassdoor, indeed, ... (lower case)"
        ),
        sa.Column(
            "source_key", sa.String(length=128), nullable=False, comment="The review's id at its source"
        ),
        sa.Column("unit_id", sa.BigInteger(), nullable=False, comment="The unit the employee reviewed"),
        sa.Column("posted_at", sa.DateTime(), nullable=False),
        sa.Column(
            "rating", sa.Double(), nullable=False, comment="Overall rating of the employer, 0..rating_max"
        ),
        sa.Column(
            "rating_max", sa.Double(), nullable=False, comment="Top of the source's scale (5 at most sites)"
        ),
        _scale("culture", "Culture and values, on the review's scale"),
        _scale("career", "Career opportunities, on the review's scale"),
        _scale("pay", "Pay and benefits, on the review's scale"),
        _scale("management", "Senior management, on the review's scale"),
        _scale("work_life", "Work-life balance, on the review's scale"),
        sa.Column(
            "recommend", sa.Boolean(), nullable=True, comment="Would recommend the employer to a friend"
        ),
        sa.Column(
            "ceo_approval", sa.String(length=16), nullable=True, comment="approve, neutral or disapprove"
        ),
        sa.Column("pros", sa.Text(), nullable=True, comment="What the employee likes"),
        sa.Column("cons", sa.Text(), nullable=True, comment="What the employee dislikes"),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("import_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employer_review")),
        sa.UniqueConstraint("source", "source_key", name=op.f("uq_employer_review_source_source_key")),
        comment="Reviews of the employer by (former) employees on Glassdoor, Indeed and similar sites.",
    )


def downgrade() -> None:
    op.drop_table("employer_review")
    op.execute(sa.schema.DropSequence(sa.Sequence(SEQUENCE)))
