"""verifiable credentials: issuer keys, credentials, status lists, learner preferences

Revision ID: b6d2f8a4c1e9
Revises: 7a2c4e6f8b13
Create Date: 2026-11-25 16:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Reviewed by hand: plain column types here, so the migration never imports app code.
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "b6d2f8a4c1e9"
down_revision = "7a2c4e6f8b13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issuer_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_key_multibase", sa.String(length=64), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("superseded_at", TIMESTAMP, nullable=True),
        sa.Column("retired_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer_key")),
        sa.UniqueConstraint(
            "public_key_multibase", name=op.f("uq_issuer_key_public_key_multibase")
        ),
    )
    op.create_table(
        "credential_status_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum("revocation", name="statuspurpose", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("document", JSON, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_status_list")),
        sa.UniqueConstraint(
            "number", "purpose", name=op.f("uq_credential_status_list_number_purpose")
        ),
    )
    op.create_table(
        "credential",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.String(length=64), nullable=False),
        sa.Column("track_version", sa.String(length=32), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.String(length=36), nullable=True),
        sa.Column("achievement", JSON, nullable=False),
        sa.Column("awarded_at", TIMESTAMP, nullable=False),
        sa.Column("valid_from", TIMESTAMP, nullable=False),
        sa.Column("valid_until", TIMESTAMP, nullable=False),
        sa.Column("status_list", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("active", "revoked", name="credentialstate", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("state_changed_by", sa.String(length=200), nullable=True),
        sa.Column("state_changed_at", TIMESTAMP, nullable=True),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("issue_reason", sa.Text(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        # A learner's credentials go with the learner (and so with the tenant).
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_credential_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["lti_user.id"],
            name=op.f("fk_credential_user_id_lti_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"], ["credential.id"], name=op.f("fk_credential_previous_id_credential")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
        # One credential per learner, track and validity period: issuing is idempotent.
        sa.UniqueConstraint(
            "user_id", "track_id", "period", name=op.f("uq_credential_user_id_track_id_period")
        ),
        # Each status-list position belongs to one credential.
        sa.UniqueConstraint(
            "status_list", "status_index", name=op.f("uq_credential_status_list_status_index")
        ),
    )
    op.create_index(
        "ix_credential_registration_user", "credential", ["registration_id", "user_id"]
    )
    op.create_table(
        "credential_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("include_name", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["lti_user.id"],
            name=op.f("fk_credential_preference_user_id_lti_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_credential_preference")),
    )


def downgrade() -> None:
    op.drop_table("credential_preference")
    op.drop_index("ix_credential_registration_user", table_name="credential")
    op.drop_table("credential")
    op.drop_table("credential_status_list")
    op.drop_table("issuer_key")
