"""Deployments an LMS launched from before an operator enabled them.

A validated launch from a deployment a registered LMS has not told SkillCert about is kept
as a switched-off deployment marked pending, so an operator has something to enable
(`skillcert deployment enable`, the console) instead of a refusal that left no trace.
django-lti records unknown deployments the same way, inactive until an administrator
activates them (academic-innovation/django-lti, DjangoToolConfig.find_deployment; read
2026-12-06).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.models import Deployment, utcnow
from lti_tool.operations import audit

log = logging.getLogger(__name__)


def hold(session: Session, registration_id: int, deployment_id: str) -> Deployment | None:
    """Record a launch's new deployment as pending, with an audit entry by the LMS.

    None when a concurrent launch of the same deployment recorded it first (its entry is
    the one kept). The caller has already checked the registration's limit on pending
    deployments and that the launch passed every check.
    """
    deployment = Deployment(
        registration_id=registration_id,
        deployment_id=deployment_id,
        is_active=False,
        pending_since=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(deployment)
    except IntegrityError:
        return None
    audit.record(
        session,
        "deployment.pending",
        actor=audit.LMS,
        target=f"deployment {deployment.id}",
        registration_id=registration_id,
        deployment_id=deployment_id,
    )
    log.info(
        "Deployment %s of registration %s launched for the first time: pending until an "
        "operator enables it",
        deployment_id,
        registration_id,
    )
    return deployment
