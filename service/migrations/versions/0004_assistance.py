"""assistance requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:32:59.054477
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "assistance_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("from_district", sa.String(length=6), nullable=False),
        sa.Column("to_district", sa.String(length=6), nullable=True),
        sa.Column("to_agency", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("operation", sa.String(length=200), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("handoff_id", sa.String(length=36), nullable=True),
        sa.Column("new_case_id", sa.String(length=36), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assistance_requests", schema=None) as batch_op:
        batch_op.create_index("ix_assistance_from_created", ["from_district", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_assistance_requests_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_assistance_state_due", ["state", "due"], unique=False)
        batch_op.create_index("ix_assistance_to_state", ["to_district", "state"], unique=False)

    op.create_table(
        "assistance_replies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("operation_date", sa.Date(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["assistance_requests.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assistance_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistance_replies_request_id"), ["request_id"], unique=False)

    with op.batch_alter_table("clock_alerts", schema=None) as batch_op:
        batch_op.alter_column(
            "clock", existing_type=sa.VARCHAR(length=40), type_=sa.String(length=80), existing_nullable=False
        )

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.alter_column(
            "clock", existing_type=sa.VARCHAR(length=40), type_=sa.String(length=80), existing_nullable=False
        )


def downgrade() -> None:

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.alter_column(
            "clock", existing_type=sa.String(length=80), type_=sa.VARCHAR(length=40), existing_nullable=False
        )

    with op.batch_alter_table("clock_alerts", schema=None) as batch_op:
        batch_op.alter_column(
            "clock", existing_type=sa.String(length=80), type_=sa.VARCHAR(length=40), existing_nullable=False
        )

    with op.batch_alter_table("assistance_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistance_replies_request_id"))

    op.drop_table("assistance_replies")
    with op.batch_alter_table("assistance_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_assistance_to_state")
        batch_op.drop_index("ix_assistance_state_due")
        batch_op.drop_index(batch_op.f("ix_assistance_requests_case_id"))
        batch_op.drop_index("ix_assistance_from_created")

    op.drop_table("assistance_requests")
