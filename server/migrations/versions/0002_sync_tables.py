"""sync tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("collection", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("rep_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_change", schema=None) as batch_op:
        batch_op.create_index("ix_sync_change_collection_seq", ["collection", "seq"], unique=False)
        batch_op.create_index("ix_sync_change_public_seq", ["public", "seq"], unique=False)
        batch_op.create_index("ix_sync_change_record", ["collection", "record_id"], unique=False)
        batch_op.create_index("ix_sync_change_rep_seq", ["rep_id", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_change_seq"), ["seq"], unique=False)
        batch_op.create_index("ix_sync_change_team_seq", ["team_id", "seq"], unique=False)

    op.create_table(
        "sync_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("horizon", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # The one counter row; its lock serialises writers of the change sequence.
    op.execute("INSERT INTO sync_counter (id, value, horizon) VALUES (1, 0, 0)")
    op.create_table(
        "sync_record",
        sa.Column("collection", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("writers", sa.JSON(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("rep_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("store_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("collection", "id"),
    )
    with op.batch_alter_table("sync_record", schema=None) as batch_op:
        batch_op.create_index("ix_sync_record_rep", ["collection", "rep_id"], unique=False)
        batch_op.create_index("ix_sync_record_store", ["collection", "store_id"], unique=False)
        batch_op.create_index("ix_sync_record_team", ["collection", "team_id"], unique=False)

    op.create_table(
        "blob_meta",
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("uploaded_by", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("sha256"),
    )
    with op.batch_alter_table("blob_meta", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blob_meta_uploaded_by"), ["uploaded_by"], unique=False)

    op.create_table(
        "sync_device",
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_push_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("device_id"),
    )
    with op.batch_alter_table("sync_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_device_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_device_user_id"))

    op.drop_table("sync_device")
    with op.batch_alter_table("blob_meta", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blob_meta_uploaded_by"))

    op.drop_table("blob_meta")
    with op.batch_alter_table("sync_record", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_record_team")
        batch_op.drop_index("ix_sync_record_store")
        batch_op.drop_index("ix_sync_record_rep")

    op.drop_table("sync_record")
    op.drop_table("sync_counter")
    with op.batch_alter_table("sync_change", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_change_team_seq")
        batch_op.drop_index(batch_op.f("ix_sync_change_seq"))
        batch_op.drop_index("ix_sync_change_rep_seq")
        batch_op.drop_index("ix_sync_change_record")
        batch_op.drop_index("ix_sync_change_public_seq")
        batch_op.drop_index("ix_sync_change_collection_seq")

    op.drop_table("sync_change")
