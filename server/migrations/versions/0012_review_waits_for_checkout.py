"""A visit enters the review queue once the rep checked out (or confirmed the day): the review row
keeps the check-out time. Backfilled from the synced visit records; imported history, which has no
record, counts as checked out at its arrival.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("visit_review") as batch:
        batch.add_column(sa.Column("checked_out_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    status = "json_extract(r.fields, '$.status')" if op.get_bind().dialect.name == "sqlite" else "r.fields->>'status'"
    op.execute(
        sa.text(
            "UPDATE visit_review SET checked_out_at = arrived_at WHERE NOT EXISTS (SELECT 1 FROM sync_record r "
            "WHERE r.collection = 'visit' AND r.id = visit_review.visit_id "
            f"AND COALESCE({status}, '') <> 'checked_out')"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("visit_review") as batch:
        batch.drop_column("checked_out_at")
