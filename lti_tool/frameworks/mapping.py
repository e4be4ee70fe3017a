"""Mapping SkillCert's competencies to a tenant's framework items: add, change, remove.

The caller found the framework in its tenant (``lookups.framework``); an item or mapping
id from anywhere else is "not found", like an id that does not exist.
"""

from __future__ import annotations

import logging

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.model import Track
from lti_tool.errors import SkillCertError
from lti_tool.frameworks.lookups import Tenant, framework_in, mapping_in
from lti_tool.models import AssociationType, CompetencyMapping, Framework, FrameworkItem, utcnow

log = logging.getLogger(__name__)


class MappingError(SkillCertError):
    """The mapping asked for cannot be made (the message says why)."""

    status_code = 422
    default_message = _l("That mapping cannot be made.")
    advice = _l("Choose a competency, an item and a type from the lists, and try again.")


def item_in(session: Session, framework: Framework, item_id: int) -> FrameworkItem | None:
    """The framework's item with this id, or None."""
    return session.scalar(
        select(FrameworkItem).where(
            FrameworkItem.id == item_id, FrameworkItem.framework_id == framework.id
        )
    )


def add(
    session: Session,
    tenant: Tenant,
    item: FrameworkItem,
    track: Track,
    competency_id: str,
    association_type: str,
    *,
    by: str,
) -> CompetencyMapping:
    """Map the track's competency to ``item`` (of a framework in ``tenant``); mapping the
    same pair again changes its type."""
    if competency_id not in {competency.id for competency in track.competencies}:
        raise MappingError(gettext("Choose one of the track's competencies."))
    try:
        kind = AssociationType(association_type)
    except ValueError:
        raise MappingError(
            gettext("Choose how the competency relates to the item: one of the three types.")
        ) from None
    if not item.is_current:
        raise MappingError(
            gettext("That item is no longer in the framework: choose one that still is.")
        )
    mapping = session.scalar(
        select(CompetencyMapping).where(
            *mapping_in(tenant),
            CompetencyMapping.framework_item_id == item.id,
            CompetencyMapping.track_id == track.id,
            CompetencyMapping.competency_id == competency_id,
        )
    )
    if mapping is None:
        mapping = CompetencyMapping(
            registration_id=tenant.registration_id,
            deployment_id=tenant.deployment_id,
            framework_item_id=item.id,
            track_id=track.id,
            competency_id=competency_id,
        )
        session.add(mapping)
    mapping.association_type = kind
    mapping.mapped_by = by
    mapping.mapped_at = utcnow()
    session.flush()
    log.info(
        "Mapped %s/%s %s item %s (deployment %s) by %s",
        track.id,
        competency_id,
        kind.value,
        item.identifier,
        tenant.deployment_id,
        by,
    )
    return mapping


def remove(
    session: Session, tenant: Tenant, framework: Framework, track: Track, mapping_id: int
) -> bool:
    """Remove the tenant's mapping of ``track`` to an item of ``framework``; False if there
    is none."""
    mapping = session.scalar(
        select(CompetencyMapping)
        .join(FrameworkItem, FrameworkItem.id == CompetencyMapping.framework_item_id)
        .join(Framework, Framework.id == FrameworkItem.framework_id)
        .where(
            CompetencyMapping.id == mapping_id,
            CompetencyMapping.track_id == track.id,
            Framework.id == framework.id,
            *mapping_in(tenant),
            *framework_in(tenant),
        )
    )
    if mapping is None:
        return False
    session.delete(mapping)
    session.flush()
    log.info("Removed mapping %s (deployment %s)", mapping_id, tenant.deployment_id)
    return True
