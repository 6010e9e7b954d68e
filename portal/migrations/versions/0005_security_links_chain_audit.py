"""sign-in links never stored usable, evidence that refuses changes, audit addresses

Written by hand. Five changes for security:

- `outbox_message.link_nonce`: an emailed link's token is made from this nonce and the server's
  key when the email is sent, and the nonce is then cleared, so the outbox never holds a
  working link (the body keeps a placeholder);
- `audit_event.ip`: the address a request came from (as seen through PROXY_HOPS);
- `acceptance.reached_by`: how a parent or carer was reached when they signed (which emailed
  link, to which address, or a letter code); hashed into the chain when present;
- `class_teacher`: who teaches which class, so a teacher may record slips for their own pupils
  and nobody else's;
- triggers that refuse UPDATE and DELETE on `acceptance` and `image_consent`
  (portal/ledger_guard.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 19:40:00
"""

import sqlalchemy as sa
from alembic import op

from portal import ledger_guard

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("link_nonce", sa.String(length=64), nullable=True))
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.add_column(sa.Column("ip", sa.String(length=45), nullable=True))
    # A plain ADD COLUMN: a batch copy of the table would trip nothing yet, but the guard
    # below then refuses any later rebuild, so this table is never copied.
    op.add_column("acceptance", sa.Column("reached_by", sa.String(length=300), nullable=True))
    op.create_table(
        "class_teacher",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("class_id", "staff_id"),
    )
    op.create_index("ix_class_teacher_staff_id", "class_teacher", ["staff_id"])
    op.create_index("ix_audit_ip_at", "audit_event", ["ip", "at"])
    ledger_guard.install(op.get_bind())


def downgrade() -> None:
    ledger_guard.remove(op.get_bind())
    op.drop_index("ix_audit_ip_at", table_name="audit_event")
    op.drop_index("ix_class_teacher_staff_id", table_name="class_teacher")
    op.drop_table("class_teacher")
    with op.batch_alter_table("acceptance") as batch_op:
        batch_op.drop_column("reached_by")
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_column("ip")
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_column("link_nonce")
