"""credit

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 22:12:02.843072
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "dishonest_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("party_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["parties.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dishonest_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dishonest_entries_party_id"), ["party_id"], unique=False)

    op.create_table(
        "typical_cases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("nominated_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
    )
    with op.batch_alter_table("typical_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_typical_cases_year"), ["year"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("typical_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_typical_cases_year"))

    op.drop_table("typical_cases")
    with op.batch_alter_table("dishonest_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dishonest_entries_party_id"))

    op.drop_table("dishonest_entries")
