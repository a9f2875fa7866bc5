"""acting on the results: roster names, friction points and ideas, recognition

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SEQUENCES = ("idea_id_seq", "recognition_id_seq")


def _id(sequence: str) -> sa.Column:
    return sa.Column("id", sa.BigInteger(), nullable=False, server_default=sa.text(f"nextval('{sequence}')"))


def upgrade() -> None:
    op.add_column("employee", sa.Column("first_name", sa.String(length=100), nullable=True))
    op.add_column("employee", sa.Column("last_name", sa.String(length=100), nullable=True))
    op.add_column(
        "employee",
        sa.Column(
            "known_as",
            sa.String(length=100),
            nullable=True,
            comment="The name the employee goes by, if not the first name",
        ),
    )
    for name in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(name)))
    op.create_table(
        "idea",
        _id("idea_id_seq"),
        sa.Column(
            "unit_id", sa.BigInteger(), nullable=False, comment="The unit of the employee who raised it"
        ),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="friction, or rule (in the way)"),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column(
            "author_email", sa.String(length=320), nullable=True, comment="Set only when raised by name"
        ),
        sa.Column(
            "author_key",
            sa.String(length=64),
            nullable=True,
            comment="Anonymous ideas: HMAC of the author's account, so they can find their own ideas",
        ),
        sa.Column(
            "status",
            sa.String(length=16),
            nullable=False,
            comment="new, under_review, planned, done, declined",
        ),
        sa.Column(
            "decision_reason",
            sa.String(length=2000),
            nullable=True,
            comment="Why it was declined (required then)",
        ),
        sa.Column(
            "reward", sa.String(length=200), nullable=True, comment="What the idea earned its author or team"
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(), nullable=True),
        sa.Column(
            "decided_at",
            sa.DateTime(),
            nullable=True,
            comment="First time it became planned, done or declined",
        ),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea")),
        comment="Friction points and rules that stand in the customer's way, raised by employees.",
    )
    op.create_index(op.f("ix_idea_unit_id_status"), "idea", ["unit_id", "status"])
    op.create_table(
        "idea_vote",
        sa.Column("idea_id", sa.BigInteger(), nullable=False),
        sa.Column("voter_key", sa.String(length=64), nullable=False, comment="HMAC of the voter's account"),
        sa.PrimaryKeyConstraint("idea_id", "voter_key", name=op.f("pk_idea_vote")),
        comment="One vote per employee per idea.",
    )
    op.create_table(
        "recognition",
        _id("recognition_id_seq"),
        sa.Column(
            "unit_id", sa.BigInteger(), nullable=False, comment="The unit the review or comment is about"
        ),
        sa.Column("source", sa.String(length=16), nullable=False, comment="review, customer or touchpoint"),
        sa.Column("source_id", sa.BigInteger(), nullable=False, comment="id of the review or response"),
        sa.Column(
            "said_on", sa.Date(), nullable=True, comment="When the review was posted or the response given"
        ),
        sa.Column(
            "rating",
            sa.Double(),
            nullable=True,
            comment="The review's or response's rating as a fraction of its maximum",
        ),
        sa.Column("name", sa.String(length=100), nullable=False, comment="The name as written"),
        sa.Column("excerpt", sa.String(length=1000), nullable=False, comment="The sentence that praises"),
        sa.Column(
            "employee_id", sa.BigInteger(), nullable=True, comment="The one match, or the analyst's choice"
        ),
        sa.Column(
            "candidates", sa.String(length=2000), nullable=False, comment="JSON list of matching employee ids"
        ),
        sa.Column(
            "status",
            sa.String(length=16),
            nullable=False,
            comment="suggested, ambiguous, confirmed or rejected",
        ),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition")),
        sa.UniqueConstraint("source", "source_id", "name", name=op.f("uq_recognition_source_source_id_name")),
        comment="Praise of a named employee found in reviews and comments, matched against the roster.",
    )
    op.create_index(op.f("ix_recognition_unit_id_status"), "recognition", ["unit_id", "status"])
    op.create_table(
        "recognition_scan",
        sa.Column("source", sa.String(length=16), nullable=False, comment="review, customer or touchpoint"),
        sa.Column("last_id", sa.BigInteger(), nullable=False, comment="The highest id of a text read"),
        sa.Column("roster", sa.String(length=64), nullable=False, comment="SHA-256 of the roster matched against"),
        sa.Column("scanned_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_recognition_scan")),
        comment="How far recognition has read each source: later runs read only newer texts.",
    )


def downgrade() -> None:
    op.drop_table("recognition_scan")
    op.drop_index(op.f("ix_recognition_unit_id_status"), table_name="recognition")
    op.drop_table("recognition")
    op.drop_table("idea_vote")
    op.drop_index(op.f("ix_idea_unit_id_status"), table_name="idea")
    op.drop_table("idea")
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
    for column in ("known_as", "last_name", "first_name"):
        op.drop_column("employee", column)
