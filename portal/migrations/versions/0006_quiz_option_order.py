"""the order quiz options were shown in

Written by hand. Options are shown to each pupil in an order shuffled for each attempt, so that
"the first one" is never the answer to learn. The order is chosen when the attempt starts and
kept in `quiz_attempt.option_order` (JSON: question id -> option numbers in the order shown),
so a reload shows the same order and a teacher sees what the pupil saw. Answers stay stored by
the option's number in the quiz file, never by where it was shown. Attempts from before this
revision keep NULL: they were shown in the file's order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 19:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quiz_attempt") as batch:
        batch.add_column(sa.Column("option_order", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempt") as batch:
        batch.drop_column("option_order")
