"""agreements and learning

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:39:33.288047
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=80), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("policy", "version"),
    )
    op.create_table(
        "acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("actor_type", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("acting_as", sa.String(length=20), nullable=False),
        sa.Column("policy_version_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("signed_name", sa.String(length=200), nullable=True),
        sa.Column("talked_through", sa.Boolean(), nullable=True),
        sa.Column("remark", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_version_id"],
            ["policy_version.id"],
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("record_hash"),
        sa.UniqueConstraint(
            "subject_type",
            "subject_id",
            "actor_type",
            "actor_id",
            "policy_version_id",
            "action",
            name="uq_acceptance_once",
        ),
    )
    with op.batch_alter_table("acceptance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_acceptance_school_version", ["school_id", "policy_version_id"], unique=False
        )
        batch_op.create_index("ix_acceptance_subject", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "lesson_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(length=80), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["school_class.id"],
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.ForeignKeyConstraint(
            ["set_by"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("class_id", "lesson_id"),
    )
    with op.batch_alter_table("lesson_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lesson_assignment_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["parent.id"],
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.create_index("ix_reminder_parent", ["parent_id", "sent_at"], unique=False)

    op.create_table(
        "image_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("actor_type", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("image_consent", schema=None) as batch_op:
        batch_op.create_index("ix_image_consent_pupil", ["pupil_id", "purpose", "id"], unique=False)

    op.create_table(
        "lesson_done",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(length=80), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pupil_id", "lesson_id"),
    )
    with op.batch_alter_table("lesson_done", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lesson_done_school_id"), ["school_id"], unique=False)

    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_attempt_pupil_lesson", ["pupil_id", "lesson_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_quiz_attempt_school_id"), ["school_id"], unique=False)

    op.create_table(
        "quiz_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(length=80), nullable=False),
        sa.Column("question_id", sa.String(length=40), nullable=False),
        sa.Column("outcome_id", sa.String(length=40), nullable=False),
        sa.Column("chosen", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempt.id"],
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["pupil.id"],
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attempt_id", "question_id"),
    )
    with op.batch_alter_table("quiz_answer", schema=None) as batch_op:
        batch_op.create_index("ix_quiz_answer_pupil", ["pupil_id"], unique=False)
        batch_op.create_index(
            "ix_quiz_answer_school_outcome", ["school_id", "outcome_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("quiz_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_answer_school_outcome")
        batch_op.drop_index("ix_quiz_answer_pupil")

    op.drop_table("quiz_answer")
    with op.batch_alter_table("quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempt_school_id"))
        batch_op.drop_index("ix_quiz_attempt_pupil_lesson")

    op.drop_table("quiz_attempt")
    with op.batch_alter_table("lesson_done", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_done_school_id"))

    op.drop_table("lesson_done")
    with op.batch_alter_table("image_consent", schema=None) as batch_op:
        batch_op.drop_index("ix_image_consent_pupil")

    op.drop_table("image_consent")
    with op.batch_alter_table("reminder_sent", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_parent")

    op.drop_table("reminder_sent")
    with op.batch_alter_table("lesson_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lesson_assignment_school_id"))

    op.drop_table("lesson_assignment")
    with op.batch_alter_table("acceptance", schema=None) as batch_op:
        batch_op.drop_index("ix_acceptance_subject")
        batch_op.drop_index("ix_acceptance_school_version")

    op.drop_table("acceptance")
    op.drop_table("policy_version")
