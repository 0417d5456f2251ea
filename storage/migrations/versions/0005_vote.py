"""Preferences: each person's vote between a proposal's competing candidates.

Revision ID: 0005_vote
Revises: 0003_jobs
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_vote"
down_revision: str | None = "0003_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("pair", sa.String(length=16), nullable=False),
        sa.Column("chosen", sa.Integer(), nullable=False),
        sa.Column("others", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_preferences_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
            name=op.f("fk_preferences_template_id_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preferences")),
        sa.UniqueConstraint(
            "proposal_id", "user_id", "pair", name=op.f("uq_preferences_proposal_id_user_id_pair")
        ),
    )
    op.create_index(op.f("ix_preferences_template_id"), "preferences", ["template_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_preferences_template_id"), table_name="preferences")
    op.drop_table("preferences")
