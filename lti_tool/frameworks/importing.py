"""Storing a read framework in a tenant: new, or updated in place.

A re-import of the same document (its ``identifier``) in the same tenant updates the
framework and its items; an item the file no longer has is kept with ``is_current`` False
(its mappings stay, listed for review), and one that comes back is current again. All in
the caller's transaction, after the whole file was read and checked: a refused file never
reaches this module, so it changes nothing.
"""

from __future__ import annotations

import dataclasses
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.frameworks.lookups import Mapped, Tenant, framework_in, mappings
from lti_tool.frameworks.structure import Item, Package
from lti_tool.models import Framework, FrameworkItem, utcnow

log = logging.getLogger(__name__)

#: What a re-import may change of an item and counts as "updated" (its place moves whenever
#: an item before it comes or goes, so ``position`` is kept up to date without counting).
_FIELDS = ("uri", "human_coding_scheme", "full_statement", "item_type", "parent_identifier")


@dataclasses.dataclass(frozen=True)
class ImportResult:
    """What an import did, for the page that shows it."""

    framework: Framework
    #: True for a framework this tenant did not have.
    created: bool
    added: int
    updated: int
    unchanged: int
    retired: int
    #: Retired items that this file has again.
    restored: int
    #: Every mapping of this framework that names an item no longer in it.
    for_review: list[Mapped]


def import_package(session: Session, tenant: Tenant, package: Package, *, by: str) -> ImportResult:
    """Store ``package`` in ``tenant``; ``by`` names who imported it."""
    framework = session.scalar(
        select(Framework)
        .where(*framework_in(tenant), Framework.document_id == package.identifier)
        .with_for_update()
    )
    created = framework is None
    if framework is None:
        framework = Framework(
            registration_id=tenant.registration_id,
            deployment_id=tenant.deployment_id,
            document_id=package.identifier,
        )
        session.add(framework)
    framework.uri = package.uri
    framework.title = package.title
    framework.creator = package.creator
    framework.last_change = package.last_change
    framework.imported_by = by
    framework.updated_at = utcnow()
    session.flush()
    counts = _store_items(session, framework, package.items)
    session.flush()
    log.info(
        "Imported framework %s (%s) into deployment %s by %s: %s",
        framework.document_id,
        framework.id,
        tenant.deployment_id,
        by,
        counts,
    )
    return ImportResult(
        framework=framework,
        created=created,
        for_review=mappings(session, tenant, framework, retired_only=True),
        **counts,
    )


def _store_items(session: Session, framework: Framework, items: tuple[Item, ...]) -> dict[str, int]:
    stored = {
        row.identifier: row
        for row in session.scalars(
            select(FrameworkItem).where(FrameworkItem.framework_id == framework.id)
        )
    }
    counts = dict.fromkeys(("added", "updated", "unchanged", "retired", "restored"), 0)
    for item in items:
        row = stored.pop(item.identifier, None)
        if row is None:
            session.add(FrameworkItem(framework_id=framework.id, **dataclasses.asdict(item)))
            counts["added"] += 1
            continue
        if not row.is_current:
            row.is_current = True
            counts["restored"] += 1
        changed = [field for field in _FIELDS if getattr(row, field) != getattr(item, field)]
        for field in changed:
            setattr(row, field, getattr(item, field))
        row.position = item.position
        counts["updated" if changed else "unchanged"] += 1
    for row in stored.values():
        if row.is_current:
            row.is_current = False
            counts["retired"] += 1
    return counts
