"""LTI role URIs to SkillCert roles.

Context (membership) roles decide when present; institution and system roles count only
for administrators, or when the platform sent no context role at all. Sub-roles
(``membership/Instructor#TeachingAssistant``) count as their principal role, and the
deprecated short forms ("Instructor") as the full context role.

An Administrator of the context (``membership#Administrator``) administers that course
only; an institution or system administrator administers the whole deployment
(:func:`administers_deployment`).
"""

from collections.abc import Iterable

from lti_tool.models import Role

_CONTEXT = "http://purl.imsglobal.org/vocab/lis/v2/membership"
_INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
_SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"

_CONTEXT_ROLES = {
    "Administrator": Role.ADMINISTRATOR,
    "ContentDeveloper": Role.INSTRUCTOR,
    "Instructor": Role.INSTRUCTOR,
    "Learner": Role.LEARNER,
    "Mentor": Role.LEARNER,
    "Member": Role.LEARNER,
    "Manager": Role.INSTRUCTOR,
    "Officer": Role.LEARNER,
}
_INSTITUTION_ROLES = {
    "Administrator": Role.ADMINISTRATOR,
    "Faculty": Role.INSTRUCTOR,
    "Instructor": Role.INSTRUCTOR,
    "Staff": Role.INSTRUCTOR,
    "Student": Role.LEARNER,
    "Learner": Role.LEARNER,
}
_SYSTEM_ROLES = {"Administrator": Role.ADMINISTRATOR, "SysAdmin": Role.ADMINISTRATOR}
#: The roles whose holder administers every course of the deployment, not one course.
_DEPLOYMENT_ADMINISTRATORS = frozenset(
    (
        _INSTITUTION + "Administrator",
        _SYSTEM + "Administrator",
        _SYSTEM + "SysAdmin",
    )
)
_RANK = {Role.LEARNER: 0, Role.INSTRUCTOR: 1, Role.ADMINISTRATOR: 2}


def _context_role(uri: str) -> Role | None:
    if "/" not in uri and "#" not in uri:  # deprecated short form
        return _CONTEXT_ROLES.get(uri)
    if not uri.startswith(_CONTEXT):
        return None
    rest = uri[len(_CONTEXT) :]
    if rest.startswith("#"):
        return _CONTEXT_ROLES.get(rest[1:])
    if rest.startswith("/"):  # sub-role: membership/<Principal>#<Sub>
        return _CONTEXT_ROLES.get(rest[1:].split("#", 1)[0])
    return None


def _institution_role(uri: str) -> Role | None:
    if uri.startswith(_INSTITUTION):
        return _INSTITUTION_ROLES.get(uri[len(_INSTITUTION) :])
    if uri.startswith(_SYSTEM):
        return _SYSTEM_ROLES.get(uri[len(_SYSTEM) :])
    return None


def _highest(roles: Iterable[Role | None]) -> Role | None:
    found = [r for r in roles if r is not None]
    return max(found, key=_RANK.__getitem__) if found else None


def skillcert_role(lti_roles: Iterable[str]) -> Role:
    """The SkillCert role for a launch's roles claim (learner when nothing is recognised)."""
    lti_roles = list(lti_roles)
    from_context = _highest(_context_role(uri) for uri in lti_roles)
    from_institution = _highest(_institution_role(uri) for uri in lti_roles)
    if from_institution is Role.ADMINISTRATOR:
        return Role.ADMINISTRATOR
    return from_context or from_institution or Role.LEARNER


def administers_deployment(lti_roles: Iterable[str]) -> bool:
    """Whether the roles claim names an institution or system administrator.

    Only these act on every course of the deployment; a course's Administrator (a context
    role) acts on that course alone, like any other context role.
    """
    return any(uri in _DEPLOYMENT_ADMINISTRATORS for uri in lti_roles)
