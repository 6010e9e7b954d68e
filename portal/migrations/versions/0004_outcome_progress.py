"""each pupil's level on each learning outcome, and the school's coverage threshold

Written by hand. Two changes for the coverage reports:

- `outcome_progress`: one row per pupil and learning outcome once the outcome has been taught
  to them, with when it was first taught and when it first became secure. It is worked out
  from `lesson_done` and `quiz_answer` (see services/coverage.py) and kept up to date as pupils
  finish lessons and quizzes, so every report is a small aggregate over it;
- `school.coverage_threshold`: the percentage secure below which the school wants a strand or
  year group listed as a gap (50 unless the ICT lead sets another).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcome_progress",
        sa.Column("pupil_id", sa.Integer(), sa.ForeignKey("pupil.id"), primary_key=True),
        sa.Column("outcome_id", sa.String(40), primary_key=True),
        sa.Column("school_id", sa.Integer(), sa.ForeignKey("school.id"), nullable=False),
        sa.Column("strand", sa.String(8), nullable=False),
        sa.Column("band", sa.String(8), nullable=False),
        sa.Column("taught_at", sa.DateTime(), nullable=False),
        sa.Column("secured_at", sa.DateTime(), nullable=True),
    )
    op.create_index(
        "ix_outcome_progress_school_strand", "outcome_progress", ["school_id", "strand", "band"]
    )
    with op.batch_alter_table("school") as batch:
        batch.add_column(
            sa.Column("coverage_threshold", sa.Integer(), nullable=False, server_default="50")
        )


def downgrade() -> None:
    with op.batch_alter_table("school") as batch:
        batch.drop_column("coverage_threshold")
    op.drop_index("ix_outcome_progress_school_strand", table_name="outcome_progress")
    op.drop_table("outcome_progress")
