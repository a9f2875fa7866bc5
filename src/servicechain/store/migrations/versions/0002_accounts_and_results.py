"""accounts, audit log and the precomputed results the dashboards read

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from servicechain.store import schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("app_user", "api_token", "audit_log", "result_snapshot", "result_scorecard", "result_document")
SEQUENCES = ("app_user_id_seq", "api_token_id_seq", "audit_log_id_seq", "result_snapshot_id_seq")


def upgrade() -> None:
    bind = op.get_bind()
    for name in TABLES:
        schema.metadata.tables[name].create(bind)  # creates its id sequence too


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
    for name in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(name)))
