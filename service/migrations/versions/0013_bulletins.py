"""通报 (issue 20): bulletins, the rectifications their criticisms order, and their reminders

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
        "bulletins",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("remarks", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=36), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "seq", name="uq_bulletins_number"),
    )
    op.create_index("ix_bulletins_period", "bulletins", ["period_to", "period_from"])
    op.create_table(
        "bulletin_rectifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("bulletin_id", sa.String(length=36), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("accepted_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["bulletin_id"], ["bulletins.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bulletin_id", "district", name="uq_bulletin_rectifications"),
    )
    op.create_index("ix_bulletin_rectifications_due", "bulletin_rectifications", ["done_on", "due_on"])
    op.create_table(
        "bulletin_reminders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "key", name="uq_bulletin_reminders"),
    )


def downgrade() -> None:
    op.drop_table("bulletin_reminders")
    op.drop_index("ix_bulletin_rectifications_due", table_name="bulletin_rectifications")
    op.drop_table("bulletin_rectifications")
    op.drop_index("ix_bulletins_period", table_name="bulletins")
    op.drop_table("bulletins")
