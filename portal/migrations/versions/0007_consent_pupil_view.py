"""pupils' own views on photo consent

Written by hand. From Year 8 a pupil records their own view on each use of their photo, beside
their parents' answers: `image_consent.voice` says whose view a row is ("parent" or "pupil").
Every row from before this revision is a parent's answer, so the column starts as "parent".
The two new uses (displays outside school, the school's social media) need no schema change:
`purpose` is a short text.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:40:00
"""

import sqlalchemy as sa
from alembic import op

from portal import ledger_guard

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("image_consent") as batch:
        batch.add_column(
            sa.Column("voice", sa.String(length=10), nullable=False, server_default="parent")
        )


def downgrade() -> None:
    # A pupil's own view has no place in the older schema; it must not turn into a parent's.
    # Removing those rows is the one change to evidence a downgrade makes: the guard on the
    # evidence tables is lifted for it, and put back (SQLite rebuilds the table, dropping it).
    ledger_guard.remove(op.get_bind())
    op.execute(sa.text("DELETE FROM image_consent WHERE voice = 'pupil'"))
    with op.batch_alter_table("image_consent") as batch:
        batch.drop_column("voice")
    ledger_guard.install(op.get_bind())
