"""Registrations an LMS made itself (Dynamic Registration) that wait for an operator.

A pending registration is stored but not active: its logins are refused with a message
saying an operator has been asked (not "not registered", which would send the LMS's
administrator to register again), until ``registrations.approve_registration``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, bindparam, func, select

from lti_tool.errors import NotRegisteredError
from lti_tool.models import Registration

_registration = Registration.__table__

#: Pending registrations of an issuer (and client_id, when the login names one).
_PENDING_OF_ISSUER = select(_registration.c.id).where(
    _registration.c.issuer == bindparam("issuer"),
    _registration.c.pending_since.is_not(None),
)
_PENDING_OF_CLIENT = _PENDING_OF_ISSUER.where(_registration.c.client_id == bindparam("client_id"))
#: How many registrations wait for an operator, all LMSs together.
PENDING_COUNT = (
    select(func.count())
    .select_from(_registration)
    .where(_registration.c.pending_since.is_not(None))
)


class RegistrationPending(NotRegisteredError):
    """A login from an LMS whose Dynamic Registration an operator has not approved yet."""

    default_message = _l("SkillCert's administrator has not approved this LMS yet.")
    advice = _l(
        "Your LMS registered SkillCert, and SkillCert's administrator has been asked to approve "
        "it. Open SkillCert again from your course once they have."
    )


def refuse_if_pending(conn: Connection, issuer: str, client_id: str | None) -> None:
    """Raise :class:`RegistrationPending` when the login names a pending registration."""
    if client_id:
        found = conn.execute(_PENDING_OF_CLIENT, {"issuer": issuer, "client_id": client_id})
    else:
        found = conn.execute(_PENDING_OF_ISSUER, {"issuer": issuer})
    if found.first() is not None:
        raise RegistrationPending()


def pending_count(conn: Connection) -> int:
    return int(conn.execute(PENDING_COUNT).scalar_one())
