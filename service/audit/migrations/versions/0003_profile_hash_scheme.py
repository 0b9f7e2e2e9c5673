"""Which hash a row's profile_hash is: hmac-sha256 from now on; NULL means plain SHA-256.

Rows written before keep their unkeyed SHA-256 (it cannot be re-keyed without the
profile, which is not kept by default); README, "Profile hashes", says how to retire them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("profile_hash_scheme", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("profile_hash_scheme")
