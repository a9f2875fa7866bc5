"""collection: survey invitations and links, intake clients and receipts, closed-loop alerts

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEQUENCES = ("survey_invitation_id_seq", "intake_client_id_seq", "alert_id_seq")


def _id(sequence: str) -> sa.Column:
    return sa.Column("id", sa.BigInteger(), nullable=False, server_default=sa.text(f"nextval('{sequence}')"))


def upgrade() -> None:
    for name in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(name)))
    op.add_column(
        "survey_wave",
        sa.Column("unit_id", sa.BigInteger(), nullable=True, comment="Root of the subtree invited (waves opened here)"),
    )
    op.create_table(
        "survey_invitation",
        _id("survey_invitation_id_seq"),
        sa.Column("wave_id", sa.BigInteger(), nullable=False),
        sa.Column("employee_id", sa.BigInteger(), nullable=False, comment="Who was invited (for reminders)"),
        sa.Column("unit_id", sa.BigInteger(), nullable=False, comment="The unit the answer will carry"),
        sa.Column("salt", sa.String(length=32), nullable=False, comment="With the secret key, derives the token"),
        sa.Column("token_hash", sa.String(length=64), nullable=False, comment="SHA-256 of the token"),
        sa.Column("used", sa.Boolean(), nullable=False, comment="Only whether, never when nor which answer"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_invitation_token_hash")),
        sa.UniqueConstraint("wave_id", "employee_id", name=op.f("uq_survey_invitation_wave_id_employee_id")),
        comment="One-use survey invitations; nothing here links an invitation to an answer.",
    )
    op.create_table(
        "survey_link",
        sa.Column("key", sa.String(length=32), nullable=False, comment="Random; the public link and QR code carry it"),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("instrument_key", sa.String(length=64), nullable=False, comment="customer or touchpoint"),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_survey_link")),
        comment="Per-unit links to the customer and touchpoint surveys (printed as QR codes).",
    )
    op.create_table(
        "intake_client",
        _id("intake_client_id_seq"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False, comment="Shown to identify a key"),
        sa.Column("key_hash", sa.String(length=64), nullable=False, comment="SHA-256 of the whole key"),
        sa.Column("unit_id", sa.BigInteger(), nullable=False, comment="Root of the units it may send for"),
        sa.Column("rate_per_second", sa.Double(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_client")),
        sa.UniqueConstraint("prefix", name=op.f("uq_intake_client_prefix")),
        comment="API keys of apps and tills that send touchpoints and customer responses.",
    )
    op.create_table(
        "intake_receipt",
        sa.Column("client_id", sa.BigInteger(), nullable=False, comment="0: the survey pages of this site"),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("response_id", sa.BigInteger(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False, comment="SHA-256 of the canonical request"),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False, comment="The checked response as JSON (the intake journal)"),
        sa.PrimaryKeyConstraint("client_id", "idempotency_key", name=op.f("pk_intake_receipt")),
        comment="One row per accepted request, committed before the answer: a retry with the same key returns "
        "the stored answer; the response tables are written from here (collect.journal).",
    )
    op.create_table(
        "alert",
        _id("alert_id_seq"),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False, comment="touchpoint or customer"),
        sa.Column("response_id", sa.BigInteger(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("contact", sa.String(length=320), nullable=True, comment="How the customer asked to be called back, if at all"),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=320), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=320), nullable=True),
        sa.Column("resolution", sa.String(length=2000), nullable=True),
        sa.Column("webhook_sent_at", sa.DateTime(), nullable=True),
        sa.Column("email_sent_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        comment="Closed loop: a response that meets an alert rule, for the unit's manager to act on.",
    )
    op.create_index(op.f("ix_alert_unit_id_resolved_at"), "alert", ["unit_id", "resolved_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_unit_id_resolved_at"), table_name="alert")
    for table in ("alert", "intake_receipt", "intake_client", "survey_link", "survey_invitation"):
        op.drop_table(table)
    op.drop_column("survey_wave", "unit_id")
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
