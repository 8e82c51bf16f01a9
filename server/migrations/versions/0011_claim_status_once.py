"""A claim's status is stored once, in its synced record: finance's queue row keeps the pool and
the decision only (its ``status`` copy, written beside the record's, is dropped).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claim_review") as batch:
        batch.drop_index("ix_claim_review_status")
        batch.drop_column("status")
        batch.create_index("ix_claim_review_submitted", ["submitted_at"])


def downgrade() -> None:
    with op.batch_alter_table("claim_review") as batch:
        batch.drop_index("ix_claim_review_submitted")
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="reading"))
        batch.create_index("ix_claim_review_status", ["status", "submitted_at"])
    op.execute(
        sa.text(
            "UPDATE claim_review SET status = COALESCE((SELECT json_extract(fields, '$.status') FROM sync_record "
            "WHERE collection = 'claim' AND id = claim_review.claim_id), 'reading')"
        )
        if op.get_bind().dialect.name == "sqlite"
        else sa.text(
            "UPDATE claim_review SET status = COALESCE((SELECT fields->>'status' FROM sync_record "
            "WHERE collection = 'claim' AND id = claim_review.claim_id), 'reading')"
        )
    )
