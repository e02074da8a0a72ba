"""reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 21:47:31.363400
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "report_reminders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "month", "district", name="uq_report_reminders"),
    )
    op.create_table(
        "report_submissions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.String(length=36), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("district", "month", name="uq_report_submissions"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_cases_decided", ["decided_at"], unique=False)
        batch_op.create_index("ix_cases_received", ["received_at"], unique=False)

    # cases already final get the time of the event that made them so
    op.execute(
        "UPDATE cases SET closed_at = (SELECT max(e.at) FROM events e WHERE e.stream_id = cases.id "
        "AND e.to_state IN ('closed', 'rejected', 'transferred_out', 'withdrawn')) "
        "WHERE state IN ('closed', 'rejected', 'transferred_out', 'withdrawn')"
    )


def downgrade() -> None:

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_received")
        batch_op.drop_index("ix_cases_decided")
        batch_op.drop_column("closed_at")

    op.drop_table("report_submissions")
    op.drop_table("report_reminders")
