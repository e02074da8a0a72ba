"""machine version 2 (SPEC §10): cases carry their machine version, principals `legal_qualified`

Existing cases are version 1 (server default): they finish under the rules they began under.
Roles are not constrained in the schema (`principals.role` is a string), so `reviewer` needs
no change here. The agencies version 2 sends to (`government-<division>` for 行政复议,
`court-150100` for invention and utility-model patents) are inserted when missing; the
service's start (`ensure_reference_data`) does the same for any database.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-21 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


_AGENCIES = [  # frozen here: a later edit of the default data set does not rewrite history
    ("government-150600", "government", "150600", "鄂尔多斯市人民政府"),
    ("government-150602", "government", "150602", "东胜区人民政府"),
    ("government-150603", "government", "150603", "康巴什区人民政府"),
    ("government-150621", "government", "150621", "达拉特旗人民政府"),
    ("government-150622", "government", "150622", "准格尔旗人民政府"),
    ("government-150623", "government", "150623", "鄂托克前旗人民政府"),
    ("government-150624", "government", "150624", "鄂托克旗人民政府"),
    ("government-150625", "government", "150625", "杭锦旗人民政府"),
    ("government-150626", "government", "150626", "乌审旗人民政府"),
    ("government-150627", "government", "150627", "伊金霍洛旗人民政府"),
    ("court-150100", "court", "150100", "呼和浩特市中级人民法院"),
]


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("machine_version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("principals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_qualified", sa.Boolean(), server_default=sa.false(), nullable=False))
    agencies = sa.table("agencies", sa.column("code", sa.String), sa.column("kind", sa.String),
                        sa.column("division", sa.String), sa.column("name", sa.String),
                        sa.column("channel", sa.JSON))
    bind = op.get_bind()
    have = {row[0] for row in bind.execute(sa.select(agencies.c.code))}
    missing = [{"code": code, "kind": kind, "division": division, "name": name, "channel": {"type": "inbox"}}
               for code, kind, division, name in _AGENCIES if code not in have]
    if missing:
        op.bulk_insert(agencies, missing)


def downgrade() -> None:
    with op.batch_alter_table("principals", schema=None) as batch_op:
        batch_op.drop_column("legal_qualified")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("machine_version")
