"""visit templates and store cycles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit_template",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", "version"),
    )
    with op.batch_alter_table("visit_template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_template_code"), ["code"], unique=False)

    with op.batch_alter_table("store", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("visit_days", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("cycle_weeks", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column(
                "cycle_anchor", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="2026-01-05"
            )
        )
        batch_op.add_column(sa.Column("route_order", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("store", schema=None) as batch_op:
        batch_op.drop_column("route_order")
        batch_op.drop_column("cycle_anchor")
        batch_op.drop_column("cycle_weeks")
        batch_op.drop_column("visit_days")

    with op.batch_alter_table("visit_template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_template_code"))

    op.drop_table("visit_template")
