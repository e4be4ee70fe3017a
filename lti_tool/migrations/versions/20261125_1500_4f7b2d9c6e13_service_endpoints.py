"""service endpoints (AGS, NRPS) from launches on context and resource link

Revision ID: 4f7b2d9c6e13
Revises: 6d1f3a8c2e57
Create Date: 2026-11-25 15:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "4f7b2d9c6e13"
down_revision = "6d1f3a8c2e57"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("context") as batch_op:
        batch_op.add_column(sa.Column("ags_lineitems_url", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("ags_scopes", JSON, nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("nrps_memberships_url", sa.String(length=1000), nullable=True)
        )
    with op.batch_alter_table("resource_link") as batch_op:
        batch_op.add_column(sa.Column("ags_lineitem_url", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resource_link") as batch_op:
        batch_op.drop_column("ags_lineitem_url")
    with op.batch_alter_table("context") as batch_op:
        batch_op.drop_column("nrps_memberships_url")
        batch_op.drop_column("ags_scopes")
        batch_op.drop_column("ags_lineitems_url")
