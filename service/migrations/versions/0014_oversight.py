"""city oversight (SPEC §12): 督办 supervision orders on a district's case and the district's replies

`supervision_orders` heads an audit stream (`supervision`); its `due` is the reply clock
`supervision_reply` the deadline sweep escalates. 交办 and 提级管辖 need no table: a case the city
assigns carries `assigned_by` in its facts, a case taken over is linked by `transferred_from/to`.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_orders",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("district", sa.String(6), nullable=False),
        sa.Column("expectation", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("issued_by", sa.String(36), nullable=False),
        sa.Column("first_reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_supervision_orders_district_state", "supervision_orders", ["district", "state", "due"])
    op.create_index("ix_supervision_orders_case", "supervision_orders", ["case_id"])
    op.create_table(
        "supervision_replies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(36), sa.ForeignKey("supervision_orders.id"), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_supervision_replies_order", "supervision_replies", ["order_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_supervision_replies_order", table_name="supervision_replies")
    op.drop_table("supervision_replies")
    op.drop_index("ix_supervision_orders_case", table_name="supervision_orders")
    op.drop_index("ix_supervision_orders_district_state", table_name="supervision_orders")
    op.drop_table("supervision_orders")
