"""acting on the results: action plans and the customer-centricity scan

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SEQUENCES = ("action_plan_id_seq", "scan_response_id_seq")


def _id(sequence: str) -> sa.Column:
    return sa.Column("id", sa.BigInteger(), nullable=False, server_default=sa.text(f"nextval('{sequence}')"))


def upgrade() -> None:
    for name in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(name)))
    op.create_table(
        "action_plan",
        _id("action_plan_id_seq"),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=False, comment="Who is accountable for it"),
        sa.Column("measure", sa.String(length=64), nullable=False, comment="The scorecard measure it should move"),
        sa.Column("baseline_period", sa.String(length=16), nullable=True, comment="The period its baseline was read from"),
        sa.Column("baseline", sa.Double(), nullable=True, comment="The unit's value of the measure when the plan was made"),
        sa.Column("target", sa.Double(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, comment="open, in_progress, done or dropped"),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_plan")),
        comment="What a unit's manager will do about a measure, by when, and whether it worked.",
    )
    op.create_index(op.f("ix_action_plan_unit_id_status"), "action_plan", ["unit_id", "status"])
    op.create_table(
        "scan_response",
        _id("scan_response_id_seq"),
        sa.Column("respondent_email", sa.String(length=320), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False, comment="JSON {statement key: 1..5}"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_response")),
        comment="Answers of the management team to the customer-centricity scan (one row per submission).",
    )


def downgrade() -> None:
    op.drop_table("scan_response")
    op.drop_index(op.f("ix_action_plan_unit_id_status"), table_name="action_plan")
    op.drop_table("action_plan")
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
