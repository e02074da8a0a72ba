"""clock alerts, escalations, notifications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:06:34.174138
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("principal_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_principal", ["principal_id", "created_at"], unique=False)

    op.create_table(
        "clock_alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("clock", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "clock", "level", "due", name="uq_clock_alerts"),
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("clock", sa.String(length=40), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "clock", "due", name="uq_escalations"),
    )
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.create_index("ix_escalations_district_created", ["district", "created_at"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_due", sa.Date(), nullable=True))
        batch_op.create_index("ix_cases_next_due", ["next_due"], unique=False)
    _backfill_next_due()


def _backfill_next_due() -> None:
    """Existing cases get the earliest due date of their running clocks, read from their facts."""
    cases = sa.table("cases", sa.column("id", sa.String), sa.column("facts", sa.JSON), sa.column("next_due", sa.Date))
    bind = op.get_bind()
    for case_id, facts in bind.execute(sa.select(cases.c.id, cases.c.facts)).all():
        dues = [c["due"] for c in (facts or {}).get("clocks", {}).values() if c.get("status") == "running"]
        if dues:
            bind.execute(cases.update().where(cases.c.id == case_id).values(next_due=date.fromisoformat(min(dues))))


def downgrade() -> None:

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_next_due")
        batch_op.drop_column("next_due")

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_escalations_district_created")

    op.drop_table("escalations")
    op.drop_table("clock_alerts")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_principal")

    op.drop_table("notifications")
