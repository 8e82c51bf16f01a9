"""Promotion claims: promotions, budget pools, the review side of claims, photo hashes, refused blobs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo_hash",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("collection", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("store_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("hashes", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sha256", "collection", "record_id", name="uq_photo_hash_use"),
    )
    with op.batch_alter_table("photo_hash", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photo_hash_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_photo_hash_sha256"), ["sha256"], unique=False)

    op.create_table(
        "promotion",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "budget_pool",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("promotion_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("name_en", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("region_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("store_ids", sa.JSON(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("spent_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("spent_cents >= 0 AND spent_cents <= amount_cents", name="ck_budget_pool_within_amount"),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotion.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("budget_pool", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_pool_promotion_id"), ["promotion_id"], unique=False)

    op.create_table(
        "claim_review",
        sa.Column("claim_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("store_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("rep_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("pool_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("claimed_cents", sa.BigInteger(), nullable=True),
        sa.Column("approved_cents", sa.BigInteger(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("corrections", sa.JSON(), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["budget_pool.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
        ),
        sa.PrimaryKeyConstraint("claim_id"),
    )
    with op.batch_alter_table("claim_review", schema=None) as batch_op:
        batch_op.create_index("ix_claim_review_status", ["status", "submitted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_review_store_id"), ["store_id"], unique=False)

    with op.batch_alter_table("blob_meta", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blob_meta", schema=None) as batch_op:
        batch_op.drop_column("refused")

    with op.batch_alter_table("claim_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_review_store_id"))
        batch_op.drop_index("ix_claim_review_status")

    op.drop_table("claim_review")
    with op.batch_alter_table("budget_pool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_pool_promotion_id"))

    op.drop_table("budget_pool")
    op.drop_table("promotion")
    with op.batch_alter_table("photo_hash", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_hash_sha256"))
        batch_op.drop_index(batch_op.f("ix_photo_hash_record_id"))

    op.drop_table("photo_hash")
