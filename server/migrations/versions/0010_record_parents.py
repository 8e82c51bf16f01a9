"""A synced record names its parent in a column of its own (a step its visit, a recording its
note), indexed, so a rule reads a visit's steps by index instead of every step at the store.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# the parents the domains declared when this was written (Domain.parents)
PARENTS = {"step": "visit_id", "recording": "note_id"}


def upgrade() -> None:
    with op.batch_alter_table("sync_record") as batch:
        batch.add_column(sa.Column("parent_id", sa.String(length=36), nullable=True))
        batch.create_index("ix_sync_record_parent", ["collection", "parent_id"])
    bind = op.get_bind()
    records = sa.table(
        "sync_record", sa.column("collection"), sa.column("id"), sa.column("fields"), sa.column("parent_id")
    )
    for collection, field in PARENTS.items():
        rows = bind.execute(sa.select(records.c.id, records.c.fields).where(records.c.collection == collection))
        for record_id, fields in rows.all():
            value = (json.loads(fields) if isinstance(fields, str) else fields or {}).get(field)
            if isinstance(value, str) and len(value) <= 36:
                bind.execute(
                    records.update()
                    .where(records.c.collection == collection, records.c.id == record_id)
                    .values(parent_id=value)
                )


def downgrade() -> None:
    with op.batch_alter_table("sync_record") as batch:
        batch.drop_index("ix_sync_record_parent")
        batch.drop_column("parent_id")
