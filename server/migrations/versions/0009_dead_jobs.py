"""Jobs end ``dead`` instead of ``failed``, and their records are told. A job an older server left
``failed`` (its claim stuck in ``reading``) is queued once more: it reads its input under the new
rules or ends dead, and either way the record it serves leaves its waiting state.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE job SET status = 'queued', attempts = 0, finished_at = NULL, lease_until = NULL "
            "WHERE status = 'failed'"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("UPDATE job SET status = 'failed' WHERE status = 'dead'"))
