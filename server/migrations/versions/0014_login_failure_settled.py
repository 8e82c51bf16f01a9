"""A sign-in attempt's row says whether its password was found wrong (settled) or is still being
verified: the limit per address counts failures only, so many reps signing in at once from one
office or carrier address are not refused for each other's attempts in flight.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failure") as batch:
        # rows from before were counted as failures: they stay failures
        batch.add_column(sa.Column("settled", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("login_failure") as batch:
        batch.drop_column("settled")
