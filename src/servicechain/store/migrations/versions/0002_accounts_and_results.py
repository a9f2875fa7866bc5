"""accounts, audit log and the precomputed results the dashboards read

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("app_user", "api_token", "audit_log", "result_snapshot", "result_scorecard", "result_document")
SEQUENCES = ("app_user_id_seq", "api_token_id_seq", "audit_log_id_seq", "result_snapshot_id_seq")


def upgrade() -> None:
    for name in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(name)))
    op.create_table(
        "app_user",
        sa.Column(
            "id", sa.BigInteger(), nullable=False, server_default=sa.text("nextval('app_user_id_seq')")
        ),
        sa.Column("email", sa.String(length=320), nullable=False, comment="Stored lower-case"),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False, comment="Root of the subtree the user may see"),
        sa.Column(
            "password_hash",
            sa.String(length=200),
            nullable=True,
            comment="argon2id; NULL until the password is set",
        ),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_set_at", sa.DateTime(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("email", name=op.f("uq_app_user_email")),
    )
    op.create_table(
        "api_token",
        sa.Column(
            "id", sa.BigInteger(), nullable=False, server_default=sa.text("nextval('api_token_id_seq')")
        ),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False, comment="Shown to identify a token"),
        sa.Column("token_hash", sa.String(length=64), nullable=False, comment="SHA-256 of the whole token"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_token_prefix")),
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "id", sa.BigInteger(), nullable=False, server_default=sa.text("nextval('audit_log_id_seq')")
        ),
        sa.Column("logged_at", sa.DateTime(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        comment="Logins (also failed ones, which drive login throttling), exports, imports, tokens.",
    )
    op.create_index(
        op.f("ix_audit_log_email_action_logged_at"), "audit_log", ["email", "action", "logged_at"]
    )
    op.create_table(
        "result_snapshot",
        sa.Column(
            "id", sa.BigInteger(), nullable=False, server_default=sa.text("nextval('result_snapshot_id_seq')")
        ),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column(
            "import_id", sa.BigInteger(), nullable=False, comment="Newest import it includes (0: none)"
        ),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_snapshot")),
        comment="One complete set of unit results; dashboards read the newest one.",
    )
    op.create_table(
        "result_scorecard",
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=True),
        sa.Column("mean", sa.Double(), nullable=True),
        sa.Column("se", sa.Double(), nullable=True),
        sa.Column("ci_low", sa.Double(), nullable=True),
        sa.Column("ci_high", sa.Double(), nullable=True),
        sa.Column("shrunk", sa.Double(), nullable=True),
        sa.Column("percentile", sa.Double(), nullable=True),
        sa.Column(
            "flag",
            sa.String(length=16),
            nullable=True,
            comment="above, within or below the company beyond chance",
        ),
        sa.Column("suppressed", sa.Boolean(), nullable=False),
        sa.Column("suppressed_reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "unit_id", "period", "measure", name=op.f("pk_result_scorecard")
        ),
        comment="The scorecard after the anonymity rules: suppressed rows carry no numbers.",
    )
    op.create_table(
        "result_document",
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False, comment="JSON"),
        sa.PrimaryKeyConstraint("snapshot_id", "key", name=op.f("pk_result_document")),
        comment="Report sections per language, the measure catalogue, review aspects.",
    )


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
