"""visitors, the head of each school's acceptance chain, one record per part of an agreement

Written by hand. Three changes for AUP acceptance:

- `visitor`: visitors, volunteers and governors, who agree to a code of conduct but never sign
  in, so their agreement can be recorded and shown as pending like anyone else's;
- `acceptance_chain`: one row per school holding the head of its chain of acceptance records.
  Appending locks this row, so records join the chain one at a time, and its length shows when
  the newest records have been removed;
- `uq_acceptance_once` now includes `acting_as`, so one member of staff can record both halves
  of a Years 3 to 6 paper slip (the child's signature and the parent's countersignature).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ONCE_BEFORE = [
    "subject_type",
    "subject_id",
    "actor_type",
    "actor_id",
    "policy_version_id",
    "action",
]
ONCE_AFTER = [
    "subject_type",
    "subject_id",
    "actor_type",
    "actor_id",
    "acting_as",
    "policy_version_id",
    "action",
]


def upgrade() -> None:
    op.create_table(
        "visitor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["added_by"], ["staff.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visitor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visitor_school_id"), ["school_id"], unique=False)

    op.create_table(
        "acceptance_chain",
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"]),
        sa.PrimaryKeyConstraint("school_id"),
    )

    with op.batch_alter_table("acceptance", schema=None) as batch_op:
        batch_op.drop_constraint("uq_acceptance_once", type_="unique")
        batch_op.create_unique_constraint("uq_acceptance_once", ONCE_AFTER)


def downgrade() -> None:
    with op.batch_alter_table("acceptance", schema=None) as batch_op:
        batch_op.drop_constraint("uq_acceptance_once", type_="unique")
        batch_op.create_unique_constraint("uq_acceptance_once", ONCE_BEFORE)

    op.drop_table("acceptance_chain")
    with op.batch_alter_table("visitor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visitor_school_id"))

    op.drop_table("visitor")
