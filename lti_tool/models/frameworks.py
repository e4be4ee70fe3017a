"""An institution's own competency framework (imported as CASE 1.1) and how SkillCert's
competencies map to it.

A framework belongs to one tenant (registration + deployment). Re-importing it updates
its items in place: an item the new file no longer has is kept with ``is_current`` False,
so mappings to it stay and are listed for review instead of vanishing.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, enum_column, utcnow


class AssociationType(enum.StrEnum):
    """How a SkillCert competency relates to an institution's item (CASE 1.1
    ``CFAssociationType``: the three a mapping may use)."""

    EXACT_MATCH_OF = "exactMatchOf"
    IS_RELATED_TO = "isRelatedTo"
    IS_PART_OF = "isPartOf"


class Framework(Base):
    """An institution's CASE framework (its ``CFDocument``), imported into one tenant."""

    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id", ondelete="CASCADE"))
    #: The CFDocument's ``identifier`` (a UUID) and ``uri``.
    document_id: Mapped[str] = mapped_column(String(36))
    uri: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(1000))
    creator: Mapped[str] = mapped_column(String(1000), default="")
    #: The document's ``lastChangeDateTime`` as the file gave it.
    last_change: Mapped[str] = mapped_column(String(40), default="")
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Framework {self.id} deployment={self.deployment_id} {self.document_id}>"


class FrameworkItem(Base):
    """One ``CFItem`` of an imported framework."""

    __tablename__ = "framework_item"
    __table_args__ = (UniqueConstraint("framework_id", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id", ondelete="CASCADE"))
    #: The CFItem's ``identifier`` (a UUID) and ``uri``.
    identifier: Mapped[str] = mapped_column(String(36))
    uri: Mapped[str] = mapped_column(String(1000))
    human_coding_scheme: Mapped[str] = mapped_column(String(200), default="")
    full_statement: Mapped[str] = mapped_column(Text)
    item_type: Mapped[str] = mapped_column(String(200), default="")
    #: The item's parent (``isChildOf``) in the same framework, by identifier.
    parent_identifier: Mapped[str | None] = mapped_column(String(36))
    #: Its place in the document's order.
    position: Mapped[int] = mapped_column(default=0)
    #: False once a re-import no longer has it (kept for the mappings that name it).
    is_current: Mapped[bool] = mapped_column(default=True)


class CompetencyMapping(Base):
    """A SkillCert competency mapped to an institution's item by an administrator."""

    __tablename__ = "competency_mapping"
    __table_args__ = (
        UniqueConstraint("framework_item_id", "track_id", "competency_id"),
        Index("ix_competency_mapping_tenant", "registration_id", "deployment_id", "track_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id", ondelete="CASCADE"))
    framework_item_id: Mapped[int] = mapped_column(
        ForeignKey("framework_item.id", ondelete="CASCADE")
    )
    track_id: Mapped[str] = mapped_column(String(64))
    competency_id: Mapped[str] = mapped_column(String(64))
    association_type: Mapped[AssociationType] = mapped_column(enum_column(AssociationType, 20))
    mapped_by: Mapped[str] = mapped_column(String(200))
    mapped_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
