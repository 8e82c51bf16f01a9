"""Outlet insights: new products (launch day and sell-through target on the SKU), stock counts
and deliveries, per-visit display facts, and the store-potential model's versions and scores.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "potential_model",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("trained_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("trained_on", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("tested_on", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("stores", sa.Integer(), nullable=False),
        sa.Column("auc", sa.Float(), nullable=True),
        sa.Column("lift_top20", sa.Float(), nullable=True),
        sa.Column("train_seconds", sa.Float(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version"),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("store_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("sku_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku_id"],
            ["sku.id"],
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_sku_store_day", ["sku_id", "store_id", "day"], unique=False)

    op.create_table(
        "shelf_count",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("visit_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("store_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("sku_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("rep_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku_id"],
            ["sku.id"],
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visit_id", "sku_id", name="uq_shelf_count_visit_sku"),
    )
    with op.batch_alter_table("shelf_count", schema=None) as batch_op:
        batch_op.create_index("ix_shelf_count_sku_store_day", ["sku_id", "store_id", "day"], unique=False)

    op.create_table(
        "store_potential",
        sa.Column("model_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("store_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("top", sa.Boolean(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["potential_model.id"],
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
        ),
        sa.PrimaryKeyConstraint("model_id", "store_id"),
    )
    with op.batch_alter_table("store_potential", schema=None) as batch_op:
        batch_op.create_index("ix_store_potential_model_rank", ["model_id", "rank"], unique=False)

    op.create_table(
        "visit_fact",
        sa.Column("visit_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("store_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("rep_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("facings", sa.Integer(), nullable=True),
        sa.Column("display_ok", sa.Float(), nullable=True),
        sa.Column("reorder_intent", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
        ),
        sa.PrimaryKeyConstraint("visit_id"),
    )
    with op.batch_alter_table("visit_fact", schema=None) as batch_op:
        batch_op.create_index("ix_visit_fact_store_day", ["store_id", "day"], unique=False)

    with op.batch_alter_table("sku", schema=None) as batch_op:
        batch_op.add_column(sa.Column("launch_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("launch_target", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sku", schema=None) as batch_op:
        batch_op.drop_column("launch_target")
        batch_op.drop_column("launch_date")

    with op.batch_alter_table("visit_fact", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_fact_store_day")

    op.drop_table("visit_fact")
    with op.batch_alter_table("store_potential", schema=None) as batch_op:
        batch_op.drop_index("ix_store_potential_model_rank")

    op.drop_table("store_potential")
    with op.batch_alter_table("shelf_count", schema=None) as batch_op:
        batch_op.drop_index("ix_shelf_count_sku_store_day")

    op.drop_table("shelf_count")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_sku_store_day")

    op.drop_table("delivery")
    op.drop_table("potential_model")
