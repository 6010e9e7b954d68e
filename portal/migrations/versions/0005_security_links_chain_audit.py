"""sign-in links stored as hashes, audit client addresses, agreement record guards

Placeholder so that work on several revisions can go on at once; filled in by its change.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 19:40:00
"""

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
