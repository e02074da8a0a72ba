"""the seed's reporting calendar (SPEC §12): corrected submissions, action plans, district summaries

`report_submissions` keeps every version of a month: `revision` (1, 2 …) and the correction's
`reason`; the unique constraint becomes (district, month, revision). `report_action_plans` holds
each district's 专项行动方案 and contacts for a year; `report_summaries` the districts' mid-year and
annual summaries. Both head audit streams.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 05:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.drop_constraint("uq_report_submissions", type_="unique")
        batch_op.create_unique_constraint("uq_report_submissions_revision", ["district", "month", "revision"])
    op.create_table(
        "report_action_plans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("responsible", sa.JSON(), nullable=False),
        sa.Column("liaison", sa.JSON(), nullable=False),
        sa.Column("attachment_name", sa.String(length=255), nullable=True),
        sa.Column("attachment_type", sa.String(length=100), nullable=True),
        sa.Column("attachment_sha256", sa.String(length=64), nullable=True),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.Column("submitted_by", sa.String(length=36), nullable=False),
        sa.Column("first_submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("district", "year", name="uq_report_action_plans"),
    )
    op.create_table(
        "report_summaries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("submitted_by", sa.String(length=36), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("district", "year", "period", name="uq_report_summaries"),
    )


def downgrade() -> None:
    op.drop_table("report_summaries")
    op.drop_table("report_action_plans")
    with op.batch_alter_table("report_submissions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_report_submissions_revision", type_="unique")
        batch_op.create_unique_constraint("uq_report_submissions", ["district", "month"])
        batch_op.drop_column("reason")
        batch_op.drop_column("revision")
