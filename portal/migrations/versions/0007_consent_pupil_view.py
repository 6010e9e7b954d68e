"""pupils' own views on photo consent

Placeholder so that work on several revisions can go on at once; filled in by its change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:40:00
"""

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
