"""incentive decisions: outcomes of the incentive rules frozen for HR per rule, period and unit

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SEQUENCE = "incentive_decision_id_seq"


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence(SEQUENCE)))
    op.create_table(
        "incentive_decision",
        sa.Column("id", sa.BigInteger(), nullable=False, server_default=sa.text(f"nextval('{SEQUENCE}')")),
        sa.Column("rule", sa.String(length=64), nullable=False, comment="The incentive rule's key"),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column(
            "unit_id", sa.BigInteger(), nullable=False, comment="The unit judged (its manager's outcome)"
        ),
        sa.Column(
            "manager_employee_code",
            sa.String(length=64),
            nullable=True,
            comment="The unit's manager when it was finalised",
        ),
        sa.Column(
            "outcome", sa.String(length=32), nullable=False, comment="met, met_within_noise, partly_met, ..."
        ),
        sa.Column(
            "reason", sa.String(length=32), nullable=False, comment="clear_above, straddles, clear_below, ..."
        ),
        sa.Column("eligible", sa.Boolean(), nullable=True, comment="Threshold rules; NULL when held for HR"),
        sa.Column(
            "attainment", sa.Double(), nullable=True, comment="Bonus rules: 0..1; NULL when held for HR"
        ),
        sa.Column(
            "payout_share",
            sa.Double(),
            nullable=True,
            comment="Bonus rules: weight x attainment; NULL when held for HR",
        ),
        sa.Column(
            "row", sa.Text(), nullable=False, comment="The HR export row as JSON, explanations in nl and en"
        ),
        sa.Column(
            "snapshot_id", sa.BigInteger(), nullable=False, comment="The results snapshot it was judged on"
        ),
        sa.Column(
            "rules_sha256", sa.String(length=64), nullable=False, comment="SHA-256 of the rule as applied"
        ),
        sa.Column("finalised_at", sa.DateTime(), nullable=False),
        sa.Column("finalised_by", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incentive_decision")),
        sa.UniqueConstraint(
            "rule", "period", "unit_id", name=op.f("uq_incentive_decision_rule_period_unit_id")
        ),
        comment="Incentive outcomes frozen for HR per rule, period and unit: a later import does not "
        "change them.",
    )


def downgrade() -> None:
    op.drop_table("incentive_decision")
    op.execute(sa.schema.DropSequence(sa.Sequence(SEQUENCE)))
