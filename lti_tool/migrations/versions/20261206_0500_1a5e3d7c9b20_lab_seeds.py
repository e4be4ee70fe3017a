"""lab seeds: each graded lab submission keeps the seed its hidden cases were drawn from

Revision ID: 1a5e3d7c9b20
Revises: d4f1a7c9e2b6
Create Date: 2026-12-06 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "1a5e3d7c9b20"
down_revision = "d4f1a7c9e2b6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: submissions graded before parameterised labs have no seed, and a
    # visible-only check never draws hidden cases.
    with op.batch_alter_table("lab_submission") as batch:
        batch.add_column(sa.Column("seed", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lab_submission") as batch:
        batch.drop_column("seed")
