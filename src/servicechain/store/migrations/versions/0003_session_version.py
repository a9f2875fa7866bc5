"""session version on accounts: `servicechain users sign-out` ends every session of the user;
the customer_response table comment that 0001 left out

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    column = sa.Column(
        "session_version",
        sa.Integer(),
        nullable=False,
        server_default="0",
        comment="Raised by `users sign-out`: every session issued before dies",
    )
    op.add_column("app_user", column)
    op.create_table_comment(
        "customer_response",
        "A response id is unique within its wave (survey tools restart numbering per wave).",
    )


def downgrade() -> None:
    op.drop_table_comment("customer_response")
    op.drop_column("app_user", "session_version")
