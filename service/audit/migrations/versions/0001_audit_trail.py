"""The audit trail: evaluations, CDS cards issued, CDS Hooks feedback.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evaluations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interface", sa.String(16), nullable=False),
        sa.Column("caller", sa.String(200)),
        sa.Column("kb_version", sa.String(32), nullable=False),
        sa.Column("disposition", sa.String(16), nullable=False),
        sa.Column("finding_codes", sa.Text, nullable=False),
        sa.Column("profile_hash", sa.String(64), nullable=False),
        sa.Column("profile", sa.Text),
    )
    op.create_index("ix_evaluations_created_at", "evaluations", ["created_at"])
    op.create_table(
        "cds_cards",
        sa.Column("card_uuid", sa.String(36), primary_key=True),
        sa.Column("evaluation_id", sa.String(36), sa.ForeignKey("evaluations.id"), nullable=False),
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("finding_code", sa.String(100)),
    )
    op.create_index("ix_cds_cards_evaluation_id", "cds_cards", ["evaluation_id"])
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("card_uuid", sa.String(36), nullable=False),
        sa.Column("evaluation_id", sa.String(36), sa.ForeignKey("evaluations.id")),
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("outcome_timestamp", sa.String(40), nullable=False),
        sa.Column("override_reason", sa.Text),
        sa.Column("accepted_suggestions", sa.Text),
        sa.Column("caller", sa.String(200)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("card_uuid", "outcome", "outcome_timestamp", name="uq_feedback_once"),
    )
    op.create_index("ix_cds_feedback_evaluation_id", "cds_feedback", ["evaluation_id"])


def downgrade() -> None:
    op.drop_table("cds_feedback")
    op.drop_table("cds_cards")
    op.drop_table("evaluations")
