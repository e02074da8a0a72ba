"""credit supervision by the rules (SPEC §11): the listing stream of a dishonest-list entry

New columns on `dishonest_entries`: `detail` (the ground's particulars), `listed_on`, `legacy`,
`facts` (statement clock, statement/defence/hearing/waiver, consent document, repair); `until`
becomes nullable (computed at `listed`). Version-1 entries are kept, not dropped: `approved`
maps to `listed` with its old `until` kept and `legacy` true (`listed_on` the day of approval,
China time), `rejected` to `refused`; `proposed` and `repaired` keep their names and are marked
legacy too. Nothing is dropped; the downgrade maps the states back.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-22 10:00:00
"""

from datetime import UTC, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_CHINA = timezone(timedelta(hours=8))


def _china_day(value):
    if isinstance(value, str):  # SQLite hands the stored text back on a bare table
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_CHINA).date()


def upgrade() -> None:
    with op.batch_alter_table("dishonest_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("listed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("legacy", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("facts", sa.JSON(), nullable=True))
        batch_op.alter_column("until", existing_type=sa.Date(), nullable=True)
        batch_op.create_index("ix_dishonest_entries_case_id", ["case_id"], unique=False)
        batch_op.create_index("ix_dishonest_entries_state", ["state"], unique=False)
    entries = sa.table("dishonest_entries", sa.column("id", sa.String), sa.column("state", sa.String),
                       sa.column("updated_at", sa.DateTime(timezone=True)), sa.column("listed_on", sa.Date),
                       sa.column("legacy", sa.Boolean), sa.column("facts", sa.JSON))
    bind = op.get_bind()
    for entry_id, state, updated_at in bind.execute(sa.select(entries.c.id, entries.c.state, entries.c.updated_at)):
        values = {"legacy": True, "facts": {"version_1_state": state}}
        if state == "approved":
            values.update(state="listed", listed_on=_china_day(updated_at))
        elif state == "rejected":
            values["state"] = "refused"
        bind.execute(sa.update(entries).where(entries.c.id == entry_id).values(**values))
    bind.execute(sa.update(entries).where(entries.c.facts.is_(None)).values(facts={}))


def downgrade() -> None:
    entries = sa.table("dishonest_entries", sa.column("state", sa.String))
    bind = op.get_bind()
    bind.execute(sa.update(entries).where(entries.c.state.in_(("listed", "repair_applied", "expired")))
                 .values(state="approved"))
    bind.execute(sa.update(entries).where(entries.c.state.in_(("refused", "revoked"))).values(state="rejected"))
    bind.execute(sa.update(entries).where(entries.c.state.in_(("notified", "consented"))).values(state="proposed"))
    with op.batch_alter_table("dishonest_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_dishonest_entries_state")
        batch_op.drop_index("ix_dishonest_entries_case_id")
        batch_op.drop_column("facts")
        batch_op.drop_column("legacy")
        batch_op.drop_column("listed_on")
        batch_op.drop_column("detail")
