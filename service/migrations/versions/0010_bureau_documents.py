"""the bureau's numbered documents (SPEC §12 case file): documents as issued, and their counters

A document row holds its number and the data it states, frozen at issue; HTML and PDF are
rendered from it on download. Numbers run per district, kind and year from 1 and are never
reused: the counter row is updated in the transaction that issues the document.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_counters",
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("district", "kind", "year"),
    )
    op.create_table(
        "bureau_documents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=True),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=36), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("district", "kind", "year", "seq", name="uq_bureau_documents_number"),
    )
    op.create_index("ix_bureau_documents_case_id", "bureau_documents", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_bureau_documents_case_id", table_name="bureau_documents")
    op.drop_table("bureau_documents")
    op.drop_table("document_counters")
