"""material allocations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "material_allocation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("rep_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("material_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["material.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rep_id", "material_id", "period"),
    )
    with op.batch_alter_table("material_allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_material_allocation_rep_id"), ["rep_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("material_allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_material_allocation_rep_id"))

    op.drop_table("material_allocation")
