"""督导考核 (SPEC §12): the city's documented adjustments to a district's annual assessment

Each adjustment heads its own audit stream (`adjustment`), like a report submission.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_adjustments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("points", sa.Numeric(6, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assessment_adjustments_year", "assessment_adjustments", ["year", "district"])


def downgrade() -> None:
    op.drop_index("ix_assessment_adjustments_year", table_name="assessment_adjustments")
    op.drop_table("assessment_adjustments")
