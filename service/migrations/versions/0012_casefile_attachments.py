"""the case file (SPEC §12): attachments of a case, the database store of their bytes, 案卷评查 rounds

`case_attachments` lists what each case's file holds (by SHA-256; the hash itself is recorded
in the case's chain by its `attach` event); `casefile_blob_chunks` is the default store, each
content once, as rows of at most 1 MiB. With `IPCASE_ATTACHMENT_DIR` set, the bytes live in
that directory instead and the chunk table stays empty.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("attached_by", sa.String(length=36), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attach_seq", sa.Integer(), nullable=False),
        sa.Column("detached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detached_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_attachments_case", "case_attachments", ["case_id", "attached_at"])
    op.create_index("ix_case_attachments_sha256", "case_attachments", ["sha256"])
    op.create_table(
        "casefile_blob_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "seq"),
    )
    op.create_table(
        "case_file_review_rounds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("rectify_due", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "case_file_reviews",
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("district", sa.String(length=6), nullable=False),
        sa.Column("deductions", sa.JSON(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=36), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectification", sa.Text(), nullable=True),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["case_file_review_rounds.id"]),
        sa.PrimaryKeyConstraint("round_id", "case_id"),
    )


def downgrade() -> None:
    op.drop_table("case_file_reviews")
    op.drop_table("case_file_review_rounds")
    op.drop_table("casefile_blob_chunks")
    op.drop_index("ix_case_attachments_sha256", table_name="case_attachments")
    op.drop_index("ix_case_attachments_case", table_name="case_attachments")
    op.drop_table("case_attachments")
