"""LTI tenants and the people and places a launch names.

A tenant is a registration (issuer + client_id) plus one of its deployments. Contexts,
resource links and memberships hang below a deployment, so every query that starts from a
launch's deployment stays inside its tenant.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Protocol

from sqlalchemy import ColumnElement, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.models.base import Base, JSONType, enum_column, utcnow


class MemberStatus(enum.StrEnum):
    """A member's status in a context (NRPS 2.0 §2.2); absent means Active."""

    ACTIVE = "Active"
    INACTIVE = "Inactive"
    DELETED = "Deleted"


class RegisteredVia(enum.StrEnum):
    """How a registration came to be."""

    #: Typed in by an administrator (CLI, operator console).
    MANUAL = "manual"
    #: Through LTI Dynamic Registration 1.0 from the LMS's side.
    DYNAMIC = "dynamic"


class CourseScope(Protocol):
    """What keeps a query inside one tenant and course (a launch, or a learner's work)."""

    @property
    def registration_id(self) -> int: ...
    @property
    def deployment_id(self) -> int: ...
    @property
    def context_id(self) -> int | None: ...


class Registration(Base):
    """A platform (LMS) registered with this tool: one issuer + client_id pair."""

    __tablename__ = "registration"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A name for people: "Springfield Canvas".
    name: Mapped[str] = mapped_column(String(200))
    #: The LMS family whose quirks apply (config/platforms/<preset>.toml).
    preset: Mapped[str] = mapped_column(String(40), default="generic")
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    #: The platform's OIDC authorisation endpoint, where /lti/login redirects.
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    #: The platform's OAuth2 token endpoint (AGS, NRPS).
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    #: Audience of our client assertions when it is not the token URL (Brightspace).
    auth_audience: Mapped[str | None] = mapped_column(String(1000))
    #: Where the platform publishes its public keys; or
    key_set_url: Mapped[str | None] = mapped_column(String(1000))
    #: the platform's public keys as a JWKS, for platforms without a key set URL.
    key_set: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: Origins the LMS shows the tool in, beyond its issuer's and login URL's
    #: (an LMS on the institution's own domain: https://canvas.school.edu).
    frame_origins: Mapped[list[str]] = mapped_column(JSONType, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Set while the registration waits for an operator's approval (Dynamic Registration);
    #: a pending registration is not active, and approving clears this.
    pending_since: Mapped[dt.datetime | None] = mapped_column()
    registered_via: Mapped[RegisteredVia] = mapped_column(
        enum_column(RegisteredVia, 20), default=RegisteredVia.MANUAL
    )
    #: The platform's OpenID configuration as fetched at Dynamic Registration, for the
    #: operator to read (None for registrations typed in).
    platform_configuration: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: What was corrected or looked wrong when registering, for the operator.
    registration_warnings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: Send this platform's service calls one at a time (LMSs that throttle parallel calls).
    serial_requests: Mapped[bool] = mapped_column(default=False)
    #: PNS notice types this tool has a handler registered for on the platform.
    notice_handlers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(back_populates="registration")

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.issuer} client_id={self.client_id}>"


class Deployment(Base):
    """One deployment of the tool on a platform; Blackboard tells institutions apart by it."""

    __tablename__ = "deployment"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    #: The platform's deployment_id claim.
    deployment_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200), default="")
    #: Launches from inactive deployments are refused until an administrator activates them.
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Set when the deployment was first seen in a launch (or Dynamic Registration) and
    #: waits for an operator to enable it; enabling clears this.
    pending_since: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="deployments")

    def __repr__(self) -> str:
        return f"<Deployment {self.id} registration={self.registration_id} {self.deployment_id}>"


class Context(Base):
    """A course (or other context) in one deployment."""

    __tablename__ = "context"
    __table_args__ = (UniqueConstraint("deployment_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id", ondelete="CASCADE"))
    #: The platform's context.id.
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500), default="")
    label: Mapped[str] = mapped_column(String(255), default="")
    #: AGS line item container URL from the launches' endpoint claim (None: no AGS here).
    ags_lineitems_url: Mapped[str | None] = mapped_column(String(1000))
    #: The AGS scopes the platform granted in that claim.
    ags_scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: NRPS context memberships URL from the launches' names-and-roles claim.
    nrps_memberships_url: Mapped[str | None] = mapped_column(String(1000))
    #: The course this one was copied from (PNS context copy, ``$Context.id.history``).
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("context.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Context {self.id} deployment={self.deployment_id} {self.context_id}>"


class ResourceLink(Base):
    """A placement of the tool in a context (a link in the course)."""

    __tablename__ = "resource_link"
    __table_args__ = (UniqueConstraint("context_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    #: The platform's resource_link.id.
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500), default="")
    #: What the link opens, placed by Deep Linking or chosen by an instructor at first
    #: launch: "track:<id>", "module:<track>/<module>" or "activity:<track>/<activity>".
    target: Mapped[str | None] = mapped_column(String(200))
    #: The link's own AGS line item URL, when the platform made one (endpoint claim).
    ags_lineitem_url: Mapped[str | None] = mapped_column(String(1000))
    #: When the LMS opens the link and accepts submissions (Deep Linking ``available`` and
    #: ``submission``, refreshed at each launch from the ``$ResourceLink.*DateTime``
    #: substitutions); ``due_at`` is the submission window's end.
    available_from: Mapped[dt.datetime | None] = mapped_column()
    available_until: Mapped[dt.datetime | None] = mapped_column()
    submission_from: Mapped[dt.datetime | None] = mapped_column()
    due_at: Mapped[dt.datetime | None] = mapped_column()
    #: A completion target set in SkillCert by an instructor or district administrator.
    target_date: Mapped[dt.date | None] = mapped_column()
    #: The link this one is a course copy of (``$ResourceLink.id.history``, PNS): its
    #: placement was carried over, never its grades or attempts.
    copied_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("resource_link.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<ResourceLink {self.id} context={self.context_id} {self.resource_link_id}>"


class User(Base):
    """A person as one registration knows them. We keep ``sub`` and the name we show, no more."""

    __tablename__ = "lti_user"
    __table_args__ = (UniqueConstraint("registration_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    #: The ``name`` claim, shown to instructors; empty when the platform withholds it.
    name: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.id} registration={self.registration_id}>"


class Role(enum.StrEnum):
    """What a person may do in SkillCert, derived from their LTI roles."""

    LEARNER = "learner"
    INSTRUCTOR = "instructor"
    ADMINISTRATOR = "administrator"


class Membership(Base):
    """A user's roles in a context, as of their latest launch or roster sync.

    A roster sync adds members who never launched (``last_launch_at`` None) and marks,
    never deletes, those the LMS reports Inactive or Deleted or no longer lists.
    """

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("context_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role, 20))
    #: The LTI role URIs as the platform sent them.
    lti_roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    last_launch_at: Mapped[dt.datetime | None] = mapped_column()
    #: Active, Inactive or Deleted, as the LMS's roster said (a launch makes it Active).
    status: Mapped[MemberStatus] = mapped_column(
        enum_column(MemberStatus, 20), default=MemberStatus.ACTIVE
    )

    def __repr__(self) -> str:
        return (
            f"<Membership {self.id} context={self.context_id} user={self.user_id} "
            f"{self.role} {self.status}>"
        )


class CourseScoped:
    """Columns that place a row in one tenant and course, and the conditions that keep a
    query there."""

    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id", ondelete="CASCADE"))
    context_id: Mapped[int | None] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))

    @classmethod
    def in_course(cls, launch: CourseScope) -> tuple[ColumnElement[bool], ...]:
        """Conditions that keep a query inside the launch's tenant and course."""
        context = (
            cls.context_id.is_(None)
            if launch.context_id is None
            else cls.context_id == launch.context_id
        )
        return (
            cls.registration_id == launch.registration_id,
            cls.deployment_id == launch.deployment_id,
            context,
        )


class LearnerWork(CourseScoped):
    """Columns of anything a learner does in a course: whose it is, in which tenant and
    course, on which activity, against which content versions."""

    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    track_id: Mapped[str] = mapped_column(String(64))
    activity_id: Mapped[str] = mapped_column(String(64))
    #: The exact content versions the work was done on.
    content_versions: Mapped[dict[str, Any]] = mapped_column(JSONType)

    @classmethod
    def of_learner(cls, launch: CourseScope, user_id: int) -> tuple[ColumnElement[bool], ...]:
        """``in_course`` for one learner's work."""
        return (*cls.in_course(launch), cls.user_id == user_id)
