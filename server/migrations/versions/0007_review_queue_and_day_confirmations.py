"""Review of visits and check-in photos, key actions for the on-time rate, end-of-day confirmations.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "day_confirmation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("rep_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("confirmed_at", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rep_id", "day", name="uq_day_confirmation_rep_day"),
    )
    with op.batch_alter_table("day_confirmation", schema=None) as batch_op:
        batch_op.create_index("ix_day_confirmation_team_day", ["team_id", "day"], unique=False)

    op.create_table(
        "key_action",
        sa.Column("record_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("rep_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("visit_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("lag_minutes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("record_id"),
    )
    with op.batch_alter_table("key_action", schema=None) as batch_op:
        batch_op.create_index("ix_key_action_team_day", ["team_id", "day"], unique=False)

    op.create_table(
        "visit_review",
        sa.Column("visit_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("store_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("rep_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("arrived_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("planned", sa.Boolean(), nullable=False),
        sa.Column("photo", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("capture", sa.JSON(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("flag_bits", sa.Integer(), nullable=False),
        sa.Column("inspected", sa.Boolean(), nullable=False),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("steps_excepted", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
        ),
        sa.PrimaryKeyConstraint("visit_id"),
    )
    with op.batch_alter_table("visit_review", schema=None) as batch_op:
        batch_op.create_index("ix_visit_review_queue", ["team_id", "status", "day", "arrived_at"], unique=False)
        batch_op.create_index("ix_visit_review_rep_day", ["rep_id", "day"], unique=False)
        batch_op.create_index("ix_visit_review_store", ["store_id", "arrived_at"], unique=False)
        batch_op.create_index("ix_visit_review_team_day", ["team_id", "day", "arrived_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit_review", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_review_team_day")
        batch_op.drop_index("ix_visit_review_store")
        batch_op.drop_index("ix_visit_review_rep_day")
        batch_op.drop_index("ix_visit_review_queue")

    op.drop_table("visit_review")
    with op.batch_alter_table("key_action", schema=None) as batch_op:
        batch_op.drop_index("ix_key_action_team_day")

    op.drop_table("key_action")
    with op.batch_alter_table("day_confirmation", schema=None) as batch_op:
        batch_op.drop_index("ix_day_confirmation_team_day")

    op.drop_table("day_confirmation")
