"""campaigns and inspections (专项行动, SPEC §12): campaigns, the registers they act on, inspections,
and the campaign and inspection a case was opened from

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(6), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("holiday", sa.String(16), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("phases", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_campaigns_period", "campaigns", ["period_start", "period_end"])
    op.create_table(
        "register_entries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("district", sa.String(6), nullable=True),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("holders", sa.JSON(), nullable=False),
        sa.Column("platform_id", sa.String(36), sa.ForeignKey("register_entries.id"), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_register_entries_kind", "register_entries", ["kind"])
    op.create_table(
        "inspections",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id"), nullable=False),
        sa.Column("district", sa.String(6), nullable=False),
        sa.Column("phase", sa.String(16), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("store_id", sa.String(36), sa.ForeignKey("register_entries.id"), nullable=True),
        sa.Column("market_id", sa.String(36), sa.ForeignKey("register_entries.id"), nullable=True),
        sa.Column("product_id", sa.String(36), sa.ForeignKey("register_entries.id"), nullable=True),
        sa.Column("subject", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("officer", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_inspections_campaign_district", "inspections", ["campaign_id", "district", "day"])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.String(36), nullable=True))
        batch_op.add_column(sa.Column("inspection_id", sa.String(36), nullable=True))
        batch_op.create_index("ix_cases_campaign_id", ["campaign_id"])


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_campaign_id")
        batch_op.drop_column("inspection_id")
        batch_op.drop_column("campaign_id")
    op.drop_index("ix_inspections_campaign_district", table_name="inspections")
    op.drop_table("inspections")
    op.drop_index("ix_register_entries_kind", table_name="register_entries")
    op.drop_table("register_entries")
    op.drop_index("ix_campaigns_period", table_name="campaigns")
    op.drop_table("campaigns")
