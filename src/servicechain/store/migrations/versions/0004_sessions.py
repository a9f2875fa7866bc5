"""sessions on the server: logout ends this session (and a copied cookie) without ending others

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_session",
        sa.Column("id", sa.String(length=64), nullable=False, comment="Random; the signed cookie carries it"),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column(
            "ended_at",
            sa.DateTime(),
            nullable=True,
            comment="Set on logout: a copy of the cookie dies with it",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_session")),
        comment="Signed-in sessions, so that logging out ends this session on the server too.",
    )


def downgrade() -> None:
    op.drop_table("app_session")
