"""Reading a tenant's frameworks, items and mappings: every query filters by the tenant
(registration + deployment) the caller got from the launch or the work, never the request."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from lti_tool.models import CompetencyMapping, Framework, FrameworkItem


class Tenant(Protocol):
    """Whose frameworks: a launch (``CurrentLaunch``) or a learner's work both are one."""

    @property
    def registration_id(self) -> int: ...
    @property
    def deployment_id(self) -> int: ...


def framework_in(tenant: Tenant) -> tuple[ColumnElement[bool], ...]:
    return (
        Framework.registration_id == tenant.registration_id,
        Framework.deployment_id == tenant.deployment_id,
    )


def mapping_in(tenant: Tenant) -> tuple[ColumnElement[bool], ...]:
    return (
        CompetencyMapping.registration_id == tenant.registration_id,
        CompetencyMapping.deployment_id == tenant.deployment_id,
    )


def frameworks(session: Session, tenant: Tenant) -> Sequence[Framework]:
    return session.scalars(
        select(Framework).where(*framework_in(tenant)).order_by(Framework.title, Framework.id)
    ).all()


def framework(session: Session, tenant: Tenant, framework_id: int) -> Framework | None:
    """The tenant's framework with this id; None for an unknown id or another tenant's."""
    return session.scalar(
        select(Framework).where(Framework.id == framework_id, *framework_in(tenant))
    )


def item_counts(session: Session, tenant: Tenant) -> dict[int, tuple[int, int]]:
    """Per framework of the tenant: how many items are current, and how many retired."""
    rows = session.execute(
        select(FrameworkItem.framework_id, FrameworkItem.is_current, func.count())
        .join(Framework, Framework.id == FrameworkItem.framework_id)
        .where(*framework_in(tenant))
        .group_by(FrameworkItem.framework_id, FrameworkItem.is_current)
    ).all()
    counts: dict[int, tuple[int, int]] = {}
    for framework_id, current, count in rows:
        now, retired = counts.get(framework_id, (0, 0))
        counts[framework_id] = (now + count, retired) if current else (now, retired + count)
    return counts


@dataclasses.dataclass(frozen=True)
class Node:
    """An item as the mapping page lists it: indented below its parent."""

    item: FrameworkItem
    depth: int


def tree(session: Session, framework: Framework) -> list[Node]:
    """The framework's items in document order, each with its depth below the document
    (retired items keep their place)."""
    items = session.scalars(
        select(FrameworkItem)
        .where(FrameworkItem.framework_id == framework.id)
        .order_by(FrameworkItem.position, FrameworkItem.id)
    ).all()
    depths: dict[str, int] = {}
    nodes = []
    for item in items:  # parents come first in document order
        parent = item.parent_identifier
        depths[item.identifier] = depths[parent] + 1 if parent in depths else 0
        nodes.append(Node(item, depths[item.identifier]))
    return nodes


@dataclasses.dataclass(frozen=True)
class Mapped:
    """A mapping with the item it names and that item's framework."""

    mapping: CompetencyMapping
    item: FrameworkItem
    framework: Framework


def mappings(
    session: Session,
    tenant: Tenant,
    framework: Framework | None = None,
    track_id: str | None = None,
    *,
    retired_only: bool = False,
) -> list[Mapped]:
    """The tenant's mappings (to one framework, of one track, to retired items only), in
    the order of the framework's items."""
    query = (
        select(CompetencyMapping, FrameworkItem, Framework)
        .join(FrameworkItem, FrameworkItem.id == CompetencyMapping.framework_item_id)
        .join(Framework, Framework.id == FrameworkItem.framework_id)
        .where(*mapping_in(tenant), *framework_in(tenant))
        .order_by(Framework.id, FrameworkItem.position, CompetencyMapping.id)
    )
    if framework is not None:
        query = query.where(Framework.id == framework.id)
    if track_id is not None:
        query = query.where(CompetencyMapping.track_id == track_id)
    if retired_only:
        query = query.where(FrameworkItem.is_current.is_(False))
    return [Mapped(*row) for row in session.execute(query).all()]
