"""operations: pending registrations and deployments, operators, audit log, PNS, copies

Dynamic Registration records a registration (and its deployment) as pending until an
operator approves it; a launch from an unknown deployment of a known registration is
recorded as a pending deployment. Operator accounts with their sessions and recovery
codes, the audit log, reports of failed requests and jobs by reference id, worker
heartbeats, received Platform Notification Service notices (once per notice id), and the
course a context or link was copied from. Existing registrations and deployments are
neither pending nor dynamic.

Revision ID: a3c8e5f1b742
Revises: 9d6f3b8a2e41
Create Date: 2026-12-06 21:00:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Reviewed by hand: plain column types here, so the migration never imports app code.
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "a3c8e5f1b742"
down_revision = "9d6f3b8a2e41"
branch_labels = None
depends_on = None

REGISTERED_VIA = ("manual", "dynamic")


def _copied_from(batch: Any, table: str) -> None:
    batch.add_column(sa.Column("copied_from_id", sa.Integer(), nullable=True))
    batch.create_foreign_key(
        op.f(f"fk_{table}_copied_from_id_{table}"),
        table,
        ["copied_from_id"],
        ["id"],
        ondelete="SET NULL",
    )


def upgrade() -> None:
    with op.batch_alter_table("registration") as batch:
        batch.add_column(sa.Column("pending_since", TIMESTAMP, nullable=True))
        batch.add_column(
            sa.Column(
                "registered_via",
                sa.Enum(*REGISTERED_VIA, name="registeredvia", native_enum=False, length=20),
                nullable=False,
                server_default="manual",
            )
        )
        batch.add_column(sa.Column("platform_configuration", JSON, nullable=True))
        batch.add_column(
            sa.Column("registration_warnings", JSON, nullable=False, server_default="[]")
        )
        batch.add_column(
            sa.Column("serial_requests", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("notice_handlers", JSON, nullable=False, server_default="[]")
        )
    with op.batch_alter_table("deployment") as batch:
        batch.add_column(sa.Column("pending_since", TIMESTAMP, nullable=True))
    with op.batch_alter_table("context") as batch:
        _copied_from(batch, "context")
    with op.batch_alter_table("resource_link") as batch:
        _copied_from(batch, "resource_link")

    op.create_table(
        "platform_notice",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.String(length=255), nullable=False),
        sa.Column("notice_type", sa.String(length=100), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("outcome", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_platform_notice_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", "notice_id", name=op.f("pk_platform_notice")),
    )
    op.create_index(
        op.f("ix_platform_notice_received_at"), "platform_notice", ["received_at"]
    )
    op.create_table(
        "operator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("totp_secret_encrypted", sa.String(length=500), nullable=True),
        sa.Column("invite_token_hash", sa.String(length=64), nullable=True),
        sa.Column("invite_expires_at", TIMESTAMP, nullable=True),
        sa.Column("activated_at", TIMESTAMP, nullable=True),
        sa.Column("last_login_at", TIMESTAMP, nullable=True),
        sa.Column("last_totp_step", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator")),
        sa.UniqueConstraint("email", name=op.f("uq_operator_email")),
    )
    op.create_table(
        "operator_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operator.id"],
            name=op.f("fk_operator_session_operator_id_operator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_session")),
    )
    op.create_index(op.f("ix_operator_session_expires_at"), "operator_session", ["expires_at"])
    op.create_table(
        "operator_recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=200), nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operator.id"],
            name=op.f("fk_operator_recovery_code_operator_id_operator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_recovery_code")),
    )
    op.create_table(
        "operator_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operator.id"],
            name=op.f("fk_operator_audit_operator_id_operator"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_audit")),
    )
    op.create_index(op.f("ix_operator_audit_at"), "operator_audit", ["at"])
    op.create_table(
        "error_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_error_report")),
    )
    op.create_index(op.f("ix_error_report_at"), "error_report", ["at"])
    op.create_index(op.f("ix_error_report_reference"), "error_report", ["reference"])
    op.create_table(
        "worker_heartbeat",
        sa.Column("worker_id", sa.String(length=200), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        sa.Column("jobs_done", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_heartbeat")),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeat")
    op.drop_index(op.f("ix_error_report_reference"), table_name="error_report")
    op.drop_index(op.f("ix_error_report_at"), table_name="error_report")
    op.drop_table("error_report")
    op.drop_index(op.f("ix_operator_audit_at"), table_name="operator_audit")
    op.drop_table("operator_audit")
    op.drop_table("operator_recovery_code")
    op.drop_index(op.f("ix_operator_session_expires_at"), table_name="operator_session")
    op.drop_table("operator_session")
    op.drop_table("operator")
    op.drop_index(op.f("ix_platform_notice_received_at"), table_name="platform_notice")
    op.drop_table("platform_notice")
    for table in ("resource_link", "context"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_copied_from_id_{table}"), type_="foreignkey")
            batch.drop_column("copied_from_id")
    with op.batch_alter_table("deployment") as batch:
        batch.drop_column("pending_since")
    with op.batch_alter_table("registration") as batch:
        for column in (
            "notice_handlers",
            "serial_requests",
            "registration_warnings",
            "platform_configuration",
            "registered_via",
            "pending_since",
        ):
            batch.drop_column(column)
