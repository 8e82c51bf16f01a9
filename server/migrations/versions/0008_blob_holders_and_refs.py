"""Who holds each blob's bytes, and which synced records name which blobs (blob visibility).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import json
import re

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_holder",
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("sha256", "user_id"),
    )
    op.create_table(
        "blob_ref",
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("collection", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "collection", "record_id"),
    )
    with op.batch_alter_table("visit_review", schema=None) as batch_op:
        batch_op.create_index("ix_visit_review_photo", ["photo"], unique=False)
    # The first uploader of every stored blob holds it.
    op.execute(
        "INSERT INTO blob_holder (sha256, user_id, created_at) SELECT sha256, uploaded_by, created_at FROM blob_meta"
    )

    # Records already synced name their blobs in their fields.
    sha = re.compile(r"^[0-9a-f]{64}$")
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT collection, id, fields FROM sync_record WHERE collection IN "
            "('note', 'recording', 'visit', 'step', 'claim', 'day')"
        )
    )
    refs = set()
    for collection, record_id, fields in rows:
        stack = [json.loads(fields) if isinstance(fields, str) else fields]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
            elif isinstance(value, str) and sha.match(value):
                refs.add((value, collection, record_id))
    if refs:
        conn.execute(
            sa.text("INSERT INTO blob_ref (sha256, collection, record_id) VALUES (:s, :c, :r)"),
            [{"s": s, "c": c, "r": r} for s, c, r in refs],
        )


def downgrade() -> None:
    with op.batch_alter_table("visit_review", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_review_photo")
    op.drop_table("blob_ref")
    op.drop_table("blob_holder")
