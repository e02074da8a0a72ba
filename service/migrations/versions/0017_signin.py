"""the workbench (issue 23): passwords, board sessions, trigram search indexes

`principals` gains `username` and `password_hash` (argon2; tokens stay for machines).
`board_sessions` holds the board's sessions server-side: the cookie carries a random id whose
SHA-256 is the key, so the browser never holds the API token, a session ends at sign-out, and
one that is expired or unknown is refused. On PostgreSQL, `pg_trgm` GIN indexes serve the work
list's substring search (Chinese needs no tokenizer that way); SQLite scans with LIKE.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TRIGRAM_INDEXES = (("ix_cases_title_trgm", "cases", "title"), ("ix_cases_description_trgm", "cases", "description"),
                   ("ix_cases_number_trgm", "cases", "number"), ("ix_case_parties_name_trgm", "case_parties", "name"))


def upgrade() -> None:
    with op.batch_alter_table("principals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint("uq_principals_username", ["username"])
    op.create_table(
        "board_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("principal_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["principal_id"], ["principals.id"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_board_sessions_principal_id", "board_sessions", ["principal_id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.execute(sa.text(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar():  # contrib may be absent
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in TRIGRAM_INDEXES:
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_board_sessions_principal_id", table_name="board_sessions")
    op.drop_table("board_sessions")
    with op.batch_alter_table("principals", schema=None) as batch_op:
        batch_op.drop_constraint("uq_principals_username", type_="unique")
        batch_op.drop_column("password_hash")
        batch_op.drop_column("username")
