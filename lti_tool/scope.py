"""Who and where a piece of work is for: the tenant, the course and the person.

Services take these plain values, never the request: a view passes the
:class:`CurrentLaunch` its session cookie names, a job or a CLI command builds a
:class:`LearnerInCourse` from the work it handles. Both satisfy :class:`LearnerScope`.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from lti_tool.models import Role
from lti_tool.models.lti import CourseScope

#: Set in a launch session's claims when the LMS launched an institution or system
#: administrator (``lti.roles``), whose reach is the whole deployment.
ADMINISTERS_DEPLOYMENT = "skillcert:administers-deployment"


class LearnerScope(CourseScope, Protocol):
    """What every tenant-scoped query of a learner's work filters by."""

    @property
    def user_id(self) -> int: ...


@dataclasses.dataclass(frozen=True)
class LearnerInCourse:
    """The tenant, course and learner of a piece of work, taken from the work itself."""

    registration_id: int
    deployment_id: int
    context_id: int
    user_id: int


@dataclasses.dataclass(frozen=True)
class CurrentLaunch:
    """What the current browser session may see: one tenant, one context, one user."""

    registration_id: int
    deployment_id: int
    context_id: int | None
    resource_link_id: int | None
    user_id: int
    role: Role
    message_type: str
    claims: dict[str, Any]
    user_name: str
    context_title: str
    resource_link_title: str
    platform_name: str
    #: What the resource link opens ("activity:<track>/<activity>", …), when placed.
    resource_link_target: str | None = None

    @property
    def is_instructor(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMINISTRATOR)

    @property
    def administers_deployment(self) -> bool:
        """An institution or system administrator acts on the whole deployment; a course's
        Administrator only on that course."""
        return self.role is Role.ADMINISTRATOR and self.claims.get(ADMINISTERS_DEPLOYMENT) is True
