"""Names and Role Provisioning Services 2.0: a context's members, paged.

https://www.imsglobal.org/spec/lti-nrps/v2p0. Only the members' fields SkillCert uses are
kept — the LMS user id, roles, status and the name shown to instructors; email, picture
and the rest of what a platform sends are dropped on reading.

Groups "where offered": a platform that also supports the LTI Course Groups Service
(https://www.imsglobal.org/spec/lti-gs/v1p0) may list each member's groups as
``group_enrollments`` (objects with a ``group_id``); they are read into
:attr:`Member.group_ids`, which a roster sync stores as the course's sections
(``lti_tool.roster``). Group names come only from that separate service, which SkillCert
does not call, so those sections have ids and no names.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from lti_tool.lti.constants import NRPS_SCOPE, MediaType
from lti_tool.models import MemberStatus
from lti_tool.services.errors import ServiceError
from lti_tool.services.http import MAX_PAGES, ServiceConnection, with_query


@dataclasses.dataclass(frozen=True)
class Member:
    #: The platform's user id: the ``sub`` of this person's launches.
    user_id: str
    roles: tuple[str, ...]
    status: MemberStatus
    #: Empty when the platform withholds names.
    name: str = ""
    #: The platform's ids of the member's course groups; empty where groups are not offered.
    group_ids: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Member:
        if not isinstance(data, dict) or not isinstance(data.get("user_id"), str):
            raise ServiceError("The LMS sent a member without a user_id.")
        roles = data.get("roles")
        try:
            status = MemberStatus(data.get("status", MemberStatus.ACTIVE))
        except ValueError:
            raise ServiceError(
                f"The LMS sent an unknown member status {data['status']!r}."
            ) from None
        name = data.get("name")
        return cls(
            user_id=data["user_id"],
            roles=tuple(r for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
            status=status,
            name=name[:500] if isinstance(name, str) else "",
            group_ids=_group_ids(data.get("group_enrollments")),
        )


#: Most groups kept per member, and longest group id: bounds on what one answer can cost.
_MAX_GROUPS = 100
_MAX_GROUP_ID = 255


def _group_ids(enrollments: Any) -> tuple[str, ...]:
    """The ``group_id`` of each well-formed group enrollment; anything else is skipped."""
    if not isinstance(enrollments, list):
        return ()
    ids = (
        enrollment.get("group_id") if isinstance(enrollment, dict) else None
        for enrollment in enrollments[:_MAX_GROUPS]
    )
    return tuple(
        dict.fromkeys(i for i in ids if isinstance(i, str) and 0 < len(i) <= _MAX_GROUP_ID)
    )


class NrpsClient:
    """NRPS calls for one context; built by :func:`lti_tool.services.clients.nrps_client`."""

    def __init__(self, connection: ServiceConnection, memberships_url: str) -> None:
        self._connection = connection
        self.memberships_url = memberships_url
        #: Pages the last :meth:`members` read (the roster.read event reports it).
        self.pages_read = 0

    def members(
        self,
        *,
        role: str | None = None,
        limit: int | None = None,
        rlid: str | None = None,
        max_pages: int = MAX_PAGES,
    ) -> list[Member]:
        """Every member of the context (with ``role``; as seen from resource link ``rlid``).

        ``limit`` is the page size asked for; the platform may choose another.
        """
        if NRPS_SCOPE not in self._connection.scopes:
            raise ServiceError("The LMS did not grant SkillCert access to the course roster.")
        url = with_query(self.memberships_url, {"role": role, "limit": limit, "rlid": rlid})
        members: list[Member] = []
        self.pages_read = 0
        for answer in self._connection.pages(
            url,
            what="Reading the course roster",
            accept=MediaType.MEMBERSHIP_CONTAINER,
            max_pages=max_pages,
        ):
            self.pages_read += 1
            page = answer.json()
            if not isinstance(page, dict) or not isinstance(page.get("members"), list):
                raise ServiceError("The LMS's membership container has no members list.")
            members.extend(Member.from_json(member) for member in page["members"])
        return members
