"""Inbox rows carry their lane (claims take only the head of a lane) and the notes of what an
attempt already did (kept apart from the job, which never changes once stored).

Revision ID: 0003_jobs
Revises: 0003_config
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_jobs"
down_revision: str | None = "0003_config"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lane", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.JSON(), nullable=True))
        batch_op.create_index(
            "ix_inbox_unfinished",
            ["lane", "id"],
            unique=False,
            postgresql_where=sa.text("status IN ('pending', 'claimed')"),
            sqlite_where=sa.text("status IN ('pending', 'claimed')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_unfinished")
        batch_op.drop_column("notes")
        batch_op.drop_column("lane")
