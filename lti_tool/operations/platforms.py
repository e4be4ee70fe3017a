"""The LMS registrations and their deployments as the operator console reads them: all of
them (the console is the host's view, across tenants), or one by id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lti_tool.models import Deployment, Registration


def registrations(session: Session) -> list[Registration]:
    """Every registration with its deployments: pending ones first, then by name."""
    rows = session.scalars(
        select(Registration)
        .options(selectinload(Registration.deployments))
        .order_by(Registration.pending_since.is_(None), Registration.name, Registration.id)
    )
    return list(rows)


def registration(session: Session, registration_id: int) -> Registration | None:
    return session.get(Registration, registration_id)


def deployment(session: Session, registration_id: int, deployment_id: int) -> Deployment | None:
    """Deployment ``deployment_id`` (its row id) if it belongs to that registration."""
    return session.scalar(
        select(Deployment).where(
            Deployment.id == deployment_id, Deployment.registration_id == registration_id
        )
    )
