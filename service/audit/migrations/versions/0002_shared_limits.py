"""State the workers share without Redis: one use per JWT `jti`, rate-limit windows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jwt_replay",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_jwt_replay_expires_at", "jwt_replay", ["expires_at"])
    op.create_table(
        "rate_limit_windows",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("window_start_ms", sa.BigInteger, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_rate_limit_windows_expires_at_ms", "rate_limit_windows", ["expires_at_ms"])


def downgrade() -> None:
    op.drop_table("rate_limit_windows")
    op.drop_table("jwt_replay")
